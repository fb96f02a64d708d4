"""Accepting an invitation: logged in, logged out (log in or sign up), wrong user, stale links."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from fanloop.accounts.models import Invitation, Membership, Role, User, Workspace
from fanloop.accounts.services import revoke_invitation

NEW_PASSWORD = "a long and unusual passphrase"


def _url(invitation: Invitation) -> str:
    return reverse("accounts:accept_invitation", args=[invitation.token])


def _dashboard(workspace: Workspace) -> str:
    return reverse("catalog:dashboard", kwargs={"ws": workspace.slug})


def test_a_logged_in_invitee_joins_with_the_invited_role(
    outsider_client, outsider, invite, workspace
):
    invitation = invite(outsider.email, Role.VIEWER)
    page = outsider_client.get(_url(invitation))
    assert page.status_code == 200
    assert "Join Alice Band" in page.content.decode()
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()

    response = outsider_client.post(_url(invitation))
    assert response["Location"] == _dashboard(workspace)
    assert Membership.objects.get(user=outsider, workspace=workspace).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_accepting_twice_is_harmless(outsider_client, outsider, invite, workspace):
    invitation = invite(outsider.email)
    outsider_client.post(_url(invitation))
    again = outsider_client.post(_url(invitation), follow=True)
    assert again.redirect_chain[-1][0] == _dashboard(workspace)
    assert Membership.objects.filter(user=outsider, workspace=workspace).count() == 1


def test_a_logged_out_newcomer_signs_up_into_the_inviting_workspace(invite, workspace, settings):
    settings.REGISTRATION_OPEN = False  # invitations work even when sign-up is closed
    invitation = invite("newbie@example.org", Role.EDITOR)
    client = Client()
    page = client.get(_url(invitation)).content.decode()
    signup_url = f"{reverse('accounts:signup')}?invite={invitation.token}"
    assert signup_url in page.replace("&amp;", "&")

    form = client.get(signup_url).content.decode()
    assert 'value="newbie@example.org"' in form
    response = client.post(
        reverse("accounts:signup"), {"invite": invitation.token, "password": NEW_PASSWORD}
    )
    assert response["Location"] == _dashboard(workspace)
    user = User.objects.get(email="newbie@example.org")
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.EDITOR
    assert Membership.objects.filter(user=user).count() == 1
    assert Workspace.objects.count() == 1
    assert client.session["_auth_user_id"] == str(user.pk)


def test_invited_signup_still_checks_the_password(invite):
    invitation = invite("newbie@example.org")
    response = Client().post(
        reverse("accounts:signup"), {"invite": invitation.token, "password": "newbie123"}
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode() or "too similar" in response.content.decode()
    assert not User.objects.filter(email="newbie@example.org").exists()


def test_a_logged_out_member_is_offered_login_and_comes_back(outsider, invite, workspace):
    invitation = invite(outsider.email)
    client = Client()
    page = client.get(_url(invitation)).content.decode()
    assert "log in to accept" in page.lower()
    login = client.post(
        f"{reverse('accounts:login')}?next={_url(invitation)}",
        {"username": outsider.email, "password": PASSWORD, "next": _url(invitation)},
    )
    assert login["Location"] == _url(invitation)
    client.post(_url(invitation))
    assert Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_signup_with_an_existing_accounts_invitation_goes_to_login(outsider, invite):
    invitation = invite(outsider.email)
    response = Client().get(f"{reverse('accounts:signup')}?invite={invitation.token}")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_refuses_a_different_logged_in_user(viewer_client, invite, workspace):
    invitation = invite("someone.else@example.org")
    page = viewer_client.get(_url(invitation))
    assert page.status_code == 403
    assert "This invitation is for someone.else@example.org" in page.content.decode()
    response = viewer_client.post(_url(invitation))
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_it_refuses_an_expired_invitation(outsider_client, outsider, invite, workspace, settings):
    invitation = invite(outsider.email)
    later = timezone.now() + dt.timedelta(days=settings.INVITATION_TTL_DAYS, minutes=1)
    with time_machine.travel(later):
        page = outsider_client.get(_url(invitation))
        response = outsider_client.post(_url(invitation))
    assert page.status_code == 410
    assert "This invitation has expired" in page.content.decode()
    assert response.status_code == 410
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_it_honours_the_ttl_setting(outsider_client, outsider, invite, workspace, settings):
    settings.INVITATION_TTL_DAYS = 30
    invitation = invite(outsider.email)
    # 10 days: past the default 7, within the 14-day session so the client stays logged in.
    with time_machine.travel(timezone.now() + dt.timedelta(days=10)):
        outsider_client.post(_url(invitation))
    assert Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_it_refuses_a_revoked_invitation(outsider_client, outsider, owner, invite, workspace):
    invitation = invite(outsider.email)
    revoke_invitation(invitation, by=owner)
    page = outsider_client.get(_url(invitation))
    assert page.status_code == 404
    assert "not valid any more" in page.content.decode()
    assert outsider_client.post(_url(invitation)).status_code == 404
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_it_refuses_an_unknown_token(client, db):
    response = client.get("/accounts/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid any more" in response.content.decode()


def test_a_used_invitation_cannot_be_reused_by_a_removed_member(
    outsider_client, outsider, owner, invite, workspace
):
    invitation = invite(outsider.email)
    outsider_client.post(_url(invitation))
    Membership.objects.filter(user=outsider, workspace=workspace).delete()
    response = outsider_client.post(_url(invitation))
    assert response.status_code == 410
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_a_get_never_joins(outsider_client, outsider, invite, workspace):
    invitation = invite(outsider.email)
    outsider_client.get(_url(invitation))
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()
