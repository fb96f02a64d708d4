"""CSRF protection is on for dashboard writes and for login."""

from __future__ import annotations

from django.test import Client

from conftest import PASSWORD
from fanloop.accounts.models import Invitation, Workspace


def test_it_refuses_a_post_without_a_csrf_token(owner, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        f"/accounts/w/{workspace.slug}/members/invite/", {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    response = client.post(f"/accounts/w/{workspace.slug}/settings/", {"name": "Forged"})
    assert response.status_code == 403
    assert Workspace.objects.get(pk=workspace.pk).name == "Alice Band"


def test_it_accepts_a_post_with_the_token(owner, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = f"/accounts/w/{workspace.slug}/settings/"
    client.get(url)
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"name": "Renamed", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Workspace.objects.get(pk=workspace.pk).name == "Renamed"


def test_login_needs_a_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 403
