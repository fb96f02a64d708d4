"""Sign-up: email + workspace name, then an emailed link to choose the password.

The answer never says whether the address has an account: the worker's email does.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from fanloop.accounts import outbox
from fanloop.accounts.models import AccountEmail, Membership, Role, User, Workspace

URL = "/accounts/signup/"
GOOD = {"email": "New.Artist@Example.org", "workspace_name": "New Artist"}
PASSWORD = "purple monkey dishwasher 42"


def _finish_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://\S+?(/accounts/signup/finish/\S+/)", str(mail.outbox[0].body))
    assert match, mail.outbox[0].body
    return match.group(1)


@pytest.mark.django_db
def test_it_creates_user_and_workspace_from_the_emailed_link_and_logs_in(client):
    response = client.post(URL, GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    assert not User.objects.exists()
    assert mail.outbox == []  # the worker sends it, not the request
    assert outbox.send_due() == 1
    assert mail.outbox[0].to == ["new.artist@example.org"]
    link = _finish_link()

    page = client.get(link)
    assert page.status_code == 200
    assert "new.artist@example.org" in page.content.decode()
    response = client.post(link, {"password": PASSWORD})
    user = User.objects.get(email="new.artist@example.org")
    workspace = Workspace.objects.get(name="New Artist")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:dashboard", kwargs={"ws": workspace.slug})
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.OWNER
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)

    again = client.get(link)  # used: the account exists now
    assert again.status_code == 302
    assert again["Location"] == reverse("accounts:login")


@pytest.mark.django_db
def test_it_shows_an_accessible_form(client):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email"' in body
    assert '<label for="id_workspace_name"' in body
    assert "csrfmiddlewaretoken" in body


def test_it_answers_the_same_for_an_existing_email(client, owner):
    """The old form said "An account with this email already exists": an oracle."""
    taken = client.post(URL, {**GOOD, "email": "ALICE@example.org"})
    free = client.post(URL, {**GOOD, "email": "someone.new@example.org"})
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    assert taken.content == free.content
    page_taken = client.get(taken["Location"]).content
    page_free = client.get(free["Location"]).content
    assert page_taken == page_free
    assert "already exists" not in page_taken.decode()
    # Both wrote one row, the same kind: the request did the same work either way.
    assert list(AccountEmail.objects.order_by("pk").values_list("kind", "to")) == [
        ("signup", "alice@example.org"),
        ("signup", "someone.new@example.org"),
    ]
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert not Workspace.objects.filter(name="New Artist").exists()


def test_the_existing_account_gets_a_log_in_email_instead(client, owner):
    client.post(URL, {**GOOD, "email": "ALICE@example.org"})
    outbox.send_due()
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    assert "already has one" in body
    assert "/accounts/login/" in body
    assert "/accounts/signup/finish/" not in body


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
    client.post(URL, GOOD)
    outbox.send_due()
    response = client.post(_finish_link(), {"password": password})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'aria-invalid="true"' in body
    assert not User.objects.exists()
    assert not Workspace.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_tampered_link(client):
    client.post(URL, GOOD)
    outbox.send_due()
    link = _finish_link()
    response = client.post(link[:-3] + "xx/", {"password": PASSWORD})
    assert response.status_code == 410
    assert "not valid" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_requires_a_workspace_name(client):
    response = client.post(URL, {**GOOD, "workspace_name": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not AccountEmail.objects.exists()


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
    assert not AccountEmail.objects.exists()


@pytest.mark.django_db
def test_a_link_from_before_registration_closed_creates_nothing(client, settings):
    client.post(URL, GOOD)
    outbox.send_due()
    link = _finish_link()
    settings.REGISTRATION_OPEN = False
    response = client.post(link, {"password": PASSWORD})
    assert response.status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db
def test_no_link_is_sent_once_registration_closed(client, settings):
    client.post(URL, GOOD)
    settings.REGISTRATION_OPEN = False
    assert outbox.send_due() == 1  # done with, nothing to send
    assert mail.outbox == []


def test_it_sends_a_logged_in_user_to_their_workspaces(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:workspaces")


@pytest.mark.django_db
def test_the_sent_page_takes_no_post(client):
    assert client.post(reverse("accounts:signup_sent")).status_code == 405
