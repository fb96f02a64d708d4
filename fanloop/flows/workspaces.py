"""A new workspace, ready to use: its rows (``accounts.services``) and its default flow
with the flow's email templates (``flows.defaults``), written in one transaction.

Every place that creates a workspace calls these: the sign-up and "new workspace" views
(wired in ``fanloop.urls``), the demo seed, the benches and the tests.
"""

from __future__ import annotations

from django.db import transaction

from fanloop.accounts import services as accounts
from fanloop.accounts.models import User, Workspace
from fanloop.flows.defaults import create_default_flow


@transaction.atomic
def create_workspace(name: str, owner: User) -> Workspace:
    """``accounts.services.create_workspace``, with the default flow."""
    workspace = accounts.create_workspace(name, owner)
    create_default_flow(workspace)
    return workspace


@transaction.atomic
def sign_up(email: str, password: str, workspace_name: str) -> accounts.SignUp:
    """``accounts.services.sign_up`` (an account and its first workspace), with the
    workspace's default flow."""
    result = accounts.sign_up(email, password, workspace_name)
    create_default_flow(result.workspace)
    return result
