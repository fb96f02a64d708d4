"""Sign-up: email + password + workspace name creates an account and its first workspace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.accounts.models import Membership, Role, User, Workspace

URL = "/accounts/signup/"
GOOD = {
    "email": "New.Artist@Example.org",
    "password": "purple monkey dishwasher 42",
    "workspace_name": "New Artist",
}


@pytest.mark.django_db
def test_it_creates_user_and_workspace_and_logs_in(client):
    response = client.post(URL, GOOD)
    user = User.objects.get(email="new.artist@example.org")
    workspace = Workspace.objects.get(name="New Artist")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:dashboard", kwargs={"ws": workspace.slug})
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.OWNER
    assert user.check_password(GOOD["password"])
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_it_shows_an_accessible_form(client):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email"' in body
    assert '<label for="id_password"' in body
    assert 'autocomplete="new-password"' in body
    assert "csrfmiddlewaretoken" in body


def test_it_rejects_a_duplicate_email(client, owner):
    response = client.post(URL, {**GOOD, "email": "ALICE@example.org"})
    assert response.status_code == 200
    assert "An account with this email already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert not Workspace.objects.filter(name="New Artist").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "too short"),
        ("password123", "too common"),
        ("83749201937465", "entirely numeric"),
        ("new.artist@example", "too similar"),
    ],
)
def test_it_rejects_a_weak_password(client, password, message):
    response = client.post(URL, {**GOOD, "password": password})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'aria-invalid="true"' in body
    assert not User.objects.exists()
    assert not Workspace.objects.exists()


@pytest.mark.django_db
def test_it_requires_a_workspace_name(client):
    response = client.post(URL, {**GOOD, "workspace_name": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_shows_registration_closed(client, settings):
    settings.REGISTRATION_OPEN = False
    response = client.get(URL)
    assert response.status_code == 200
    assert "Registration is closed" in response.content.decode()
    assert "ask a workspace owner to invite you" in response.content.decode().lower()


@pytest.mark.django_db
def test_it_creates_nothing_when_registration_is_closed(client, settings):
    settings.REGISTRATION_OPEN = False
    response = client.post(URL, GOOD)
    assert response.status_code == 403
    assert not User.objects.exists()


def test_it_sends_a_logged_in_user_to_their_workspaces(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:workspaces")
