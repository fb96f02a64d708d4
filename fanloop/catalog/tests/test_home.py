"""``/`` and ``/dashboard/`` take members to their workspace and everyone else to sign in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import User
from fanloop.flows.workspaces import create_workspace


@pytest.mark.parametrize("path", ["/", "/dashboard/"])
def test_it_sends_anonymous_visitors_to_login(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("path", ["/", "/dashboard/"])
def test_it_sends_members_to_their_first_workspace(owner_client, workspace, path):
    response = owner_client.get(path)
    assert response["Location"] == reverse("catalog:dashboard", kwargs={"ws": workspace.slug})


def test_it_remembers_the_last_workspace_opened(owner, owner_client, workspace):
    second = create_workspace("Side Label", owner)
    owner_client.get(reverse("catalog:dashboard", kwargs={"ws": second.slug}))
    assert owner_client.get("/")["Location"] == reverse(
        "catalog:dashboard", kwargs={"ws": second.slug}
    )


def test_it_sends_users_without_workspace_to_the_workspaces_page(db):
    client = Client()
    client.force_login(User.objects.create_user("lonely@example.org", "pw-123456789"))
    assert client.get("/")["Location"] == reverse("accounts:workspaces")
