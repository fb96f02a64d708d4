"""Sign-up and reset emails leave after the answer: the same answer, the same work, and no
wait on the mail server, whether or not the address has an account."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail

from fanloop.accounts import outbox
from fanloop.accounts.models import AccountEmail
from fanloop.ops.smtp_sink import start_sink

RESET = "/accounts/password/reset/"
SIGNUP = "/accounts/signup/"


@pytest.fixture
def silent_smtp(settings) -> Iterator[socket.socket]:
    """A mail server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.getsockname()[1]
    settings.EMAIL_TIMEOUT = 3
    try:
        yield server
    finally:
        server.close()


def _connections(server: socket.socket) -> int:
    server.setblocking(False)
    n = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return n
        conn.close()
        n += 1


def test_a_reset_request_never_talks_to_the_mail_server(client, owner, silent_smtp):
    """The old view sent the email in the request: it waited on SMTP for an account."""
    known = client.post(RESET, {"email": owner.email})
    unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known.content == unknown.content
    assert _connections(silent_smtp) == 0
    assert AccountEmail.objects.filter(kind="password_reset").count() == 2


def test_a_sign_up_request_never_talks_to_the_mail_server(client, owner, silent_smtp):
    taken = client.post(SIGNUP, {"email": owner.email, "workspace_name": "X"})
    free = client.post(SIGNUP, {"email": "new@example.org", "workspace_name": "X"})
    assert taken.content == free.content and taken["Location"] == free["Location"]
    assert _connections(silent_smtp) == 0


def test_the_reset_pages_are_identical_for_known_and_unknown_addresses(client, owner):
    known = client.post(RESET, {"email": owner.email}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content


def test_the_worker_sends_through_a_real_smtp_server(client, owner, settings, tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = start_sink(tmp_path / "sink", port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        client.post(RESET, {"email": owner.email})
        client.post(RESET, {"email": "nobody@example.org"})
        assert outbox.send_due() == 2  # both rows done; only one had someone to write to
    finally:
        controller.stop()
    received = list((tmp_path / "sink").glob("*.eml"))
    assert len(received) == 1  # counted at the sink, outside fanloop
    assert "alice@example.org" in received[0].read_text()
    assert outbox.send_due() == 0  # nothing sent twice


def test_a_failed_send_is_kept_for_the_next_pass_without_secrets(client, owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    settings.EMAIL_HOST_PASSWORD = "smtp-secret-password"
    client.post(RESET, {"email": owner.email})
    assert outbox.send_due() == 0
    row = AccountEmail.objects.get()
    assert row.sent_at is None and row.claimed_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due() == 1
    assert len(mail.outbox) == 1


def test_an_address_gets_a_few_emails_per_window_and_the_answer_stays_the_same(
    client, owner, settings
):
    answers = [
        client.post(RESET, {"email": owner.email}, REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(1, 6)
    ]
    assert {a.status_code for a in answers} == {302}
    assert AccountEmail.objects.count() == 3  # throttle.RESET_EMAILS_PER_ADDRESS


def test_one_client_is_stopped_after_too_many_requests(client, settings, db):
    settings.PASSWORD_RESET_LIMIT = 3
    for n in range(3):
        assert client.post(RESET, {"email": f"x{n}@example.org"}).status_code == 302
    response = client.post(RESET, {"email": "x9@example.org"})
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_COOLOFF_MINUTES * 60)
    assert "Too many attempts" in response.content.decode()
    assert AccountEmail.objects.count() == 3
    signups = [
        client.post(SIGNUP, {"email": f"s{n}@example.org", "workspace_name": "S"}).status_code
        for n in range(4)
    ]
    assert signups == [302, 302, 302, 429]


def test_old_throttle_counts_are_forgotten(client, settings, db):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from fanloop.accounts.models import ThrottleHit

    settings.PASSWORD_RESET_LIMIT = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(2):
            client.post(RESET, {"email": f"x{n}@example.org"})
        assert client.post(RESET, {"email": "x3@example.org"}).status_code == 429
        clock.move_to(start + dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1))
        assert client.post(RESET, {"email": "x4@example.org"}).status_code == 302
    # Only this window's rows are kept: one per counter the last request touched.
    assert ThrottleHit.objects.count() == 2


@pytest.mark.parametrize("url", [RESET, SIGNUP])
def test_the_request_runs_the_same_queries_whether_or_not_the_account_exists(client, owner, url):
    """Same statements in the same order: no lookup whose cost depends on the account."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(email: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {"email": email, "workspace_name": "X"})
        return [q["sql"].replace(email, "<email>") for q in queries.captured_queries]

    known, unknown = statements(owner.email), statements("nobody@example.org")
    # Values differ (times, HMAC keys, addresses); the statements must not.
    literal = re.compile(r"'[^']*'")
    assert [literal.sub("?", q) for q in known] == [literal.sub("?", q) for q in unknown]
    assert known and not any("accounts_user" in q for q in known)
