"""Password reset by email: a working single-use link, and no way to probe for accounts."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse

from fanloop.accounts import outbox

URL = "/accounts/password/reset/"
NEW = "a brand new long passphrase"


def _link(message: EmailMessage) -> str:
    """The path of the reset link in the email's text body."""
    match = re.search(r"https?://\S+?(/accounts/password/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_it_emails_a_text_and_html_link_built_from_site_url(client, owner, settings):
    settings.SITE_URL = "https://fans.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # a lax deployment: the Host header is attacker-controlled
    response = client.post(URL, {"email": "ALICE@example.org"}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []  # the worker sends it, after the answer
    assert outbox.send_due() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "\n" not in message.subject
    assert "https://fans.example.com/accounts/password/reset/" in message.body
    assert "evil.example" not in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert "https://fans.example.com/accounts/password/reset/" in html


def test_the_link_sets_a_new_password_once(client, owner):
    client.post(URL, {"email": owner.email})
    outbox.send_due()
    link = _link(mail.outbox[0])
    # Django swaps the token for a session marker, then shows the form.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(NEW)

    again = client.get(link, follow=True)
    assert "does not work any more" in again.content.decode()


def test_it_rejects_a_weak_new_password(client, owner):
    client.post(URL, {"email": owner.email})
    outbox.send_due()
    link = _link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    owner.refresh_from_db()
    assert not owner.check_password("12345678")


@pytest.mark.django_db
def test_it_answers_the_same_for_an_unknown_email(client):
    response = client.post(URL, {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    outbox.send_due()
    assert mail.outbox == []
    done = client.get(response["Location"])
    assert "If an account uses that address" in done.content.decode()
