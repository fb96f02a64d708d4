"""The workspaces page: every workspace of the user with their role, and creating one."""

from __future__ import annotations

from django.urls import reverse

from fanloop.accounts.models import Membership, Role, Workspace

URL = "/accounts/workspaces/"


def test_it_lists_the_users_workspaces_with_role(editor_client, workspace, outsider):
    body = editor_client.get(URL).content.decode()
    assert "Alice Band" in body
    assert "Editor" in body
    assert "Mallory Records" not in body


def test_it_creates_a_workspace_owned_by_the_user(owner_client, owner):
    response = owner_client.post(URL, {"name": "Side Project"})
    workspace = Workspace.objects.get(name="Side Project")
    assert response["Location"] == reverse("catalog:dashboard", kwargs={"ws": workspace.slug})
    assert Membership.objects.get(workspace=workspace, user=owner).role == Role.OWNER


def test_it_gives_clashing_names_distinct_slugs(owner_client, workspace):
    owner_client.post(URL, {"name": "Alice Band"})
    slugs = sorted(Workspace.objects.filter(name="Alice Band").values_list("slug", flat=True))
    assert slugs == ["alice-band", "alice-band-2"]


def test_it_rejects_an_empty_name(owner_client):
    response = owner_client.post(URL, {"name": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Workspace.objects.count() == 1


def test_it_shows_an_empty_state(client, db):
    from fanloop.accounts.models import User

    user = User.objects.create_user("lonely@example.org", "x")
    client.force_login(user)
    body = client.get(URL).content.decode()
    assert "not in any workspace yet" in body


def test_it_lists_invitations_waiting_for_the_user(client, invite, outsider):
    invitation = invite(outsider.email)
    client.force_login(outsider)
    body = client.get(URL).content.decode()
    assert "Invitations waiting for you" in body
    assert reverse("accounts:accept_invitation", args=[invitation.token]) in body


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
