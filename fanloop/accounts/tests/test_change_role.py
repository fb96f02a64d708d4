"""Owners change members' roles; nobody can demote the last owner."""

from __future__ import annotations

import pytest

from fanloop.accounts.models import Membership, Role, User, Workspace
from fanloop.accounts.services import LastOwner, NotAllowed, change_role


def _url(workspace: Workspace, membership: Membership) -> str:
    return f"/accounts/w/{workspace.slug}/members/{membership.pk}/role/"


def _membership(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


def test_it_lets_an_owner_promote_and_demote(owner_client, workspace, editor):
    membership = _membership(editor, workspace)
    response = owner_client.post(_url(workspace, membership), {"role": "owner"}, follow=True)
    assert "bob@example.org is now owner" in response.content.decode()
    assert _membership(editor, workspace).role == Role.OWNER
    owner_client.post(_url(workspace, membership), {"role": "viewer"})
    assert _membership(editor, workspace).role == Role.VIEWER


def test_it_refuses_to_demote_the_last_owner(owner_client, workspace, owner):
    membership = _membership(owner, workspace)
    response = owner_client.post(_url(workspace, membership), {"role": "editor"}, follow=True)
    assert "last owner" in response.content.decode()
    assert _membership(owner, workspace).role == Role.OWNER


def test_it_lets_an_owner_step_down_when_another_owner_exists(
    owner_client, workspace, owner, editor
):
    change_role(_membership(editor, workspace), Role.OWNER, by=owner)
    owner_client.post(_url(workspace, _membership(owner, workspace)), {"role": "editor"})
    assert _membership(owner, workspace).role == Role.EDITOR
    assert _membership(editor, workspace).role == Role.OWNER


def test_it_rejects_an_unknown_role(owner_client, workspace, editor):
    response = owner_client.post(
        _url(workspace, _membership(editor, workspace)), {"role": "god"}, follow=True
    )
    assert "Choose a role" in response.content.decode()
    assert _membership(editor, workspace).role == Role.EDITOR


def test_it_refuses_editors(editor_client, workspace, viewer):
    response = editor_client.post(
        _url(workspace, _membership(viewer, workspace)), {"role": "owner"}
    )
    assert response.status_code == 403
    assert _membership(viewer, workspace).role == Role.VIEWER


def test_it_refuses_viewers_promoting_themselves(viewer_client, workspace, viewer):
    response = viewer_client.post(
        _url(workspace, _membership(viewer, workspace)), {"role": "owner"}
    )
    assert response.status_code == 403
    assert _membership(viewer, workspace).role == Role.VIEWER


def test_it_refuses_get(owner_client, workspace, editor):
    assert owner_client.get(_url(workspace, _membership(editor, workspace))).status_code == 405


def test_the_service_refuses_non_owners(workspace, editor, viewer):
    with pytest.raises(NotAllowed):
        change_role(_membership(viewer, workspace), Role.OWNER, by=editor)


def test_the_service_refuses_to_demote_the_last_owner(workspace, owner):
    with pytest.raises(LastOwner, match="last owner"):
        change_role(_membership(owner, workspace), Role.VIEWER, by=owner)
