"""A logged-in user changes their password, proving they know the current one."""

from __future__ import annotations

from django.urls import reverse

from conftest import PASSWORD

URL = "/accounts/password/"
NEW = "an even better passphrase 7"


def test_it_changes_the_password_and_keeps_the_session(owner_client, owner):
    response = owner_client.post(
        URL, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:workspaces")
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert owner_client.get(reverse("accounts:workspaces")).status_code == 200


def test_it_requires_the_current_password(owner_client, owner):
    response = owner_client.post(
        URL, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_it_rejects_a_weak_password(owner_client, owner):
    response = owner_client.post(
        URL, {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
