"""Every way of creating a workspace gives it the default flow, in the same transaction,
by an explicit call (``fanloop.flows.workspaces``): saving a ``Workspace`` row writes
nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from fanloop.accounts import outbox
from fanloop.accounts.models import User, Workspace
from fanloop.flows import workspaces
from fanloop.flows.models import Flow
from fanloop.messaging.models import EmailTemplate
from fanloop.ops.seed import seed_demo

pytestmark = pytest.mark.django_db
PASSWORD = "purple monkey dishwasher 42"


def _has_default_flow(workspace: Workspace) -> bool:
    return (
        Flow.objects.filter(workspace=workspace, is_default=True).count() == 1
        and EmailTemplate.objects.filter(workspace=workspace).count() == 4
    )


def test_saving_a_workspace_row_writes_no_flow() -> None:
    workspace = Workspace.objects.create(name="Bare", slug="bare")
    assert not Flow.objects.filter(workspace=workspace).exists()
    assert not EmailTemplate.objects.filter(workspace=workspace).exists()


def test_the_service_creates_the_workspace_with_its_default_flow() -> None:
    owner = User.objects.create_user("o@example.org", PASSWORD)
    assert _has_default_flow(workspaces.create_workspace("Fresh", owner))


def test_a_failed_default_flow_leaves_no_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: the workspace and its owner's membership go with the flow."""
    owner = User.objects.create_user("o@example.org", PASSWORD)

    def fail(workspace: Workspace) -> Flow:
        raise IntegrityError("the default flow could not be written")

    monkeypatch.setattr(workspaces, "create_default_flow", fail)
    with pytest.raises(IntegrityError):
        workspaces.create_workspace("Doomed", owner)
    with pytest.raises(IntegrityError):
        workspaces.sign_up("new@example.org", PASSWORD, "Doomed Too")
    assert not Workspace.objects.exists()
    assert not User.objects.filter(email="new@example.org").exists()


def test_signing_up_through_the_emailed_link_creates_the_default_flow(client: Client) -> None:
    client.post("/accounts/signup/", {"email": "new@example.org", "workspace_name": "New Act"})
    assert outbox.send_due() == 1
    token = outbox.signup_token("new@example.org", "New Act")
    link = reverse("accounts:signup_finish", args=[token])
    response = client.post(link, {"password": PASSWORD})
    assert response.status_code == 302
    assert _has_default_flow(Workspace.objects.get(name="New Act"))


def test_a_member_creating_another_workspace_gets_its_default_flow(
    owner_client: Client, workspace: Workspace
) -> None:
    response = owner_client.post(reverse("accounts:workspaces"), {"name": "Side Label"})
    assert response.status_code == 302
    assert _has_default_flow(Workspace.objects.get(name="Side Label"))
    assert _has_default_flow(workspace)


def test_the_admin_adding_a_workspace_creates_its_default_flow(client: Client) -> None:
    staff = User.objects.create_user("staff@example.org", PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_workspace"))
    client.force_login(staff)
    response = client.post(
        reverse("admin:accounts_workspace_add"),
        {
            "name": "Admin Label",
            "slug": "admin-label",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _has_default_flow(Workspace.objects.get(slug="admin-label"))


def test_the_demo_seed_creates_its_workspace_with_the_default_flow() -> None:
    data = seed_demo()
    assert _has_default_flow(data.workspace)
    seed_demo()  # seeding again keeps the one default flow
    assert _has_default_flow(data.workspace)
