"""Login by email and password; landing page for logged-out visitors; safe ``next``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from fanloop.accounts.models import User

URL = "/accounts/login/"


@pytest.mark.django_db
def test_it_shows_a_landing_with_the_login_form(client):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username"' in body
    assert 'type="email"' in body
    assert reverse("accounts:password_reset") in body
    assert reverse("accounts:signup") in body


@pytest.mark.django_db
def test_it_hides_the_signup_link_when_registration_is_closed(client, settings):
    settings.REGISTRATION_OPEN = False
    body = client.get(URL).content.decode()
    assert reverse("accounts:signup") not in body
    assert "by invitation" in body


def test_it_logs_in_with_any_case_of_email(client, owner, workspace):
    response = client.post(URL, {"username": "Alice@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_it_lands_on_the_members_workspace(client, owner, workspace):
    response = client.post(URL, {"username": owner.email, "password": PASSWORD}, follow=True)
    dashboard = reverse("catalog:dashboard", kwargs={"ws": workspace.slug})
    assert response.redirect_chain[-1][0] == dashboard


def test_it_sends_a_user_without_workspace_to_create_one(client, db):
    User.objects.create_user("lonely@example.org", PASSWORD)
    response = client.post(
        URL, {"username": "lonely@example.org", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:workspaces")
    assert "Create a workspace" in response.content.decode()


def test_it_rejects_a_wrong_password_with_a_clear_message(client, owner):
    response = client.post(URL, {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_follows_a_local_next(client, owner, workspace):
    target = reverse("accounts:members", kwargs={"ws": workspace.slug})
    response = client.post(
        f"{URL}?next={target}", {"username": owner.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


@pytest.mark.parametrize(
    "evil",
    ["https://evil.example/", "//evil.example/", "https:/\\evil.example", "\\\\evil.example"],
)
def test_it_refuses_an_open_redirect(client, owner, workspace, evil):
    response = client.post(URL, {"username": owner.email, "password": PASSWORD, "next": evil})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home_dashboard")


def test_it_redirects_an_already_logged_in_user(owner_client, workspace):
    response = owner_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home_dashboard")
