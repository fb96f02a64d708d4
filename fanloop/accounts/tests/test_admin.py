"""The Django admin lists and edits users by email, workspaces with members, invitations."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.accounts.models import User


@pytest.fixture
def admin_client_(db):
    admin = User.objects.create_superuser("root@example.org", "root password 123")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/accounts/workspace/",
        "/admin/accounts/invitation/",
    ],
)
def test_it_renders_admin_pages(admin_client_, workspace, invite, url):
    invite("new@example.org")
    assert admin_client_.get(url).status_code == 200


def test_it_edits_a_workspace_with_its_members(admin_client_, workspace):
    response = admin_client_.get(f"/admin/accounts/workspace/{workspace.pk}/change/")
    assert response.status_code == 200
    assert "alice@example.org" in response.content.decode()


def test_it_creates_a_user_by_email(admin_client_):
    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {
            "email": "Staff@Example.org",
            "usable_password": "true",
            "password1": "a good long password",
            "password2": "a good long password",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email__iexact="staff@example.org").exists()


def test_it_refuses_non_staff(owner_client):
    response = owner_client.get("/admin/accounts/user/")
    assert response.status_code == 302
