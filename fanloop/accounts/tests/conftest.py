"""Accounts test helpers on top of the project personas (owner, editor, viewer, outsider).

``invite`` makes a pending invitation the way an owner would, through the service.
"""

from __future__ import annotations

import pytest
from django.core import mail

from fanloop.accounts.models import Invitation, Role, User, Workspace
from fanloop.accounts.services import invite_member


@pytest.fixture
def invite(owner: User, workspace: Workspace):
    """Invite ``email`` to ``workspace`` as the owner; the outbox is emptied afterwards."""

    def make(email: str = "newbie@example.org", role: str = Role.EDITOR) -> Invitation:
        invitation = invite_member(workspace, email, role, owner)
        mail.outbox.clear()
        return invitation

    return make
