"""One rule decides who may change a workspace's content: ``Membership.can_edit``."""

from __future__ import annotations

from fanloop.accounts.models import User, Workspace


def test_it_lets_owners_edit(owner: User, workspace: Workspace) -> None:
    assert owner.memberships.get(workspace=workspace).can_edit


def test_it_lets_editors_edit(editor: User, workspace: Workspace) -> None:
    assert editor.memberships.get(workspace=workspace).can_edit


def test_it_does_not_let_viewers_edit(viewer: User, workspace: Workspace) -> None:
    assert not viewer.memberships.get(workspace=workspace).can_edit
