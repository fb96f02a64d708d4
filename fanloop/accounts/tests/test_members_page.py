"""The members page: owners get controls, editors and viewers a read-only list."""

from __future__ import annotations

from django.urls import reverse

from fanloop.accounts.models import Role, User, Workspace
from fanloop.accounts.services import add_member


def _url(workspace: Workspace) -> str:
    return reverse("accounts:members", kwargs={"ws": workspace.slug})


def test_it_shows_owners_every_control(owner_client, workspace, editor, viewer, invite):
    invite("pending@example.org")
    body = owner_client.get(_url(workspace)).content.decode()
    for email in ("alice@example.org", "bob@example.org", "vera@example.org"):
        assert email in body
    assert "pending@example.org" in body
    assert reverse("accounts:invite", kwargs={"ws": workspace.slug}) in body
    assert f"/members/{editor.memberships.get().pk}/role/" in body
    assert f"/members/{viewer.memberships.get().pk}/remove/" in body
    assert "/resend/" in body and "/revoke/" in body


def test_it_shows_editors_a_read_only_list(editor_client, workspace, invite):
    invite("pending@example.org")
    response = editor_client.get(_url(workspace))
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice@example.org" in body and "pending@example.org" in body
    assert "/role/" not in body and "/remove/" not in body and "/revoke/" not in body
    assert reverse("accounts:invite", kwargs={"ws": workspace.slug}) not in body
    assert "Only owners can invite" in body
    assert reverse("accounts:leave", kwargs={"ws": workspace.slug}) in body


def test_it_shows_viewers_a_read_only_list(viewer_client, workspace):
    body = viewer_client.get(_url(workspace)).content.decode()
    assert "alice@example.org" in body
    assert "/role/" not in body and "/remove/" not in body


def test_it_marks_the_last_owner(owner_client, workspace):
    body = owner_client.get(_url(workspace)).content.decode()
    assert "last owner" in body
    # No role selector and no "Leave" for the only owner: both would be refused.
    assert reverse("accounts:leave", kwargs={"ws": workspace.slug}) not in body


def test_it_shows_an_empty_state_for_invitations(owner_client, workspace):
    assert "No pending invitations" in owner_client.get(_url(workspace)).content.decode()


def test_it_paginates_members(owner_client, workspace):
    for n in range(55):
        add_member(workspace, User.objects.create_user(f"fan{n:02}@example.org", "x"), Role.VIEWER)
    first = owner_client.get(_url(workspace)).content.decode()
    second = owner_client.get(_url(workspace) + "?page=2").content.decode()
    assert "Page 1 of 2" in first
    # 56 members sorted by email: alice and fan00..fan48 first, fan49..fan54 next.
    assert "fan48@example.org" in first and "fan49@example.org" not in first
    assert "fan49@example.org" in second and "alice@example.org" not in second
