"""Login throttling (django-axes): per account and per client address, with a cool-off
that failures during a lockout do not extend, and a reset link that always gets in."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from fanloop.accounts import outbox
from fanloop.accounts.models import User

URL = "/accounts/login/"


def _login(client: Client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post(URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_50_wrong_passwords_then_the_right_one_does_not_log_in(client, owner, settings):
    for n in range(50):
        _login(client, owner.email, f"guess {n}")
    response = _login(client, owner.email, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-ins" in body
    assert f"for {settings.LOGIN_COOLOFF_MINUTES} minutes" in body
    assert response["Retry-After"] == str(settings.LOGIN_COOLOFF_MINUTES * 60)
    assert "reset it by email" in body
    assert PASSWORD not in body
    assert "_auth_user_id" not in client.session
    # What axes stored names the account, never a password tried.
    stored = " ".join(f"{a.get_data} {a.post_data}" for a in AccessAttempt.objects.all())
    assert "guess" not in stored and PASSWORD not in stored


def test_it_locks_the_account_whatever_the_address(client, owner, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, owner.email, "wrong", ip=f"198.51.100.{n + 1}")
    response = _login(client, owner.email, PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_case_variants_of_the_email_count_as_one_account(client, owner, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        email = "ALICE@example.org" if n % 2 else "Alice@Example.ORG"
        _login(client, email, "wrong", ip=f"198.51.100.{n + 1}")
    assert _login(client, owner.email, PASSWORD, ip="192.0.2.200").status_code == 429


def test_it_locks_the_address_whatever_the_account(client, owner, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, f"someone{n}@example.org", "wrong")
    assert _login(client, owner.email, PASSWORD).status_code == 429
    other = Client()
    assert _login(other, owner.email, PASSWORD, ip="192.0.2.99").status_code == 302


def test_the_lockout_ends_after_the_cool_off_even_if_guessing_goes_on(client, owner, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, owner.email, "wrong")
        assert _login(client, owner.email, PASSWORD).status_code == 429
        # An attacker keeps guessing during the lockout: it does not push the end back.
        for minute in range(1, settings.LOGIN_COOLOFF_MINUTES):
            clock.move_to(start + dt.timedelta(minutes=minute))
            _login(client, owner.email, "still wrong", ip="198.51.100.50")
        clock.move_to(start + dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1))
        response = _login(client, owner.email, PASSWORD, ip="192.0.2.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_reset_link_logs_the_owner_in_during_a_lockout(client, owner, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        _login(Client(), owner.email, "wrong", ip=f"198.51.100.{n + 1}")
    assert _login(client, owner.email, PASSWORD).status_code == 429

    client.post("/accounts/password/reset/", {"email": owner.email})
    outbox.send_due()
    path = re.search(r"https?://\S+?(/accounts/password/reset/\S+/)", str(mail.outbox[0].body))
    assert path
    form_url = client.get(path.group(1), follow=True).redirect_chain[-1][0]
    new = "another long passphrase here"
    done = client.post(form_url, {"new_password1": new, "new_password2": new}, follow=True)
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert "You are logged in" in done.content.decode()
    # The failures against the account are forgotten: the form works again at once.
    fresh = Client()
    assert _login(fresh, owner.email, new, ip="192.0.2.5").status_code == 302


def test_a_few_typos_do_not_lock_anyone_out(client, owner, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert _login(client, owner.email, "typo").status_code == 200
    assert _login(client, owner.email, PASSWORD).status_code == 302
    assert User.objects.get(pk=owner.pk).last_login is not None
