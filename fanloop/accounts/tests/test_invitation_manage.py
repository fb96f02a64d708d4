"""Owners resend and revoke pending invitations; others cannot."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone

from fanloop.accounts.models import Invitation, Workspace


def _url(workspace: Workspace, invitation: Invitation, action: str) -> str:
    return f"/accounts/w/{workspace.slug}/invitations/{invitation.pk}/{action}/"


def test_resend_sends_the_same_link_and_restarts_expiry(owner_client, workspace, invite, settings):
    invitation = invite("new@example.org")
    later = timezone.now() + dt.timedelta(days=settings.INVITATION_TTL_DAYS + 3)
    with time_machine.travel(later):
        body = owner_client.get(f"/accounts/w/{workspace.slug}/members/").content.decode()
        assert "Expired" in body
        response = owner_client.post(_url(workspace, invitation, "resend"), follow=True)
        assert "Invitation sent again to new@example.org" in response.content.decode()
        refreshed = Invitation.objects.get(pk=invitation.pk)
        assert not refreshed.is_expired()
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body


def test_resend_is_throttled(owner_client, workspace, invite):
    invitation = invite("new@example.org")
    response = owner_client.post(_url(workspace, invitation, "resend"), follow=True)
    assert "Give it a minute" in response.content.decode()
    assert mail.outbox == []


def test_revoke_deletes_the_invitation(owner_client, workspace, invite):
    invitation = invite("new@example.org")
    response = owner_client.post(_url(workspace, invitation, "revoke"), follow=True)
    assert "Invitation for new@example.org revoked" in response.content.decode()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_an_accepted_invitation_cannot_be_revoked(owner_client, workspace, invite, outsider):
    from fanloop.accounts.services import accept_invitation

    invitation = invite(outsider.email)
    accept_invitation(invitation, outsider)
    assert owner_client.post(_url(workspace, invitation, "revoke")).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_editors_cannot_resend_or_revoke(editor_client, workspace, invite):
    invitation = invite("new@example.org")
    assert editor_client.post(_url(workspace, invitation, "resend")).status_code == 403
    assert editor_client.post(_url(workspace, invitation, "revoke")).status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_viewers_cannot_resend_or_revoke(viewer_client, workspace, invite):
    invitation = invite("new@example.org")
    assert viewer_client.post(_url(workspace, invitation, "resend")).status_code == 403
    assert viewer_client.post(_url(workspace, invitation, "revoke")).status_code == 403
