"""Account emails sent by the worker, after the request that asked for them has answered.

``queue`` is all a request does: one row, whatever the address. ``send_due`` (run by every
``fanloop worker`` through ``run``) claims rows one by one, decides what to send (a reset
link only to an existing account; a sign-up link, or "you already have an account"), and
sends it. A worker killed between sending and recording may send one email twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.core import signing
from django.db import close_old_connections
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from fanloop.accounts import emails
from fanloop.accounts.models import AccountEmail, AccountEmailKind, User

log = logging.getLogger("fanloop.accounts.outbox")

MAX_ATTEMPTS = 5
# How often each worker looks for account emails to send (seconds). Not measured; chosen so
# a sign-up link arrives about as fast as if the request had sent it.
POLL_SECONDS = 1.0
# A claim older than this belongs to a worker that died mid-send: another may take it.
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
SIGNUP_SALT = "fanloop.accounts.signup"


def queue(kind: AccountEmailKind, to: str, data: dict[str, str] | None = None) -> AccountEmail:
    return AccountEmail.objects.create(kind=kind, to=to.strip().lower(), data=data or {})


def signup_token(email: str, workspace_name: str) -> str:
    return signing.dumps({"e": email, "w": workspace_name}, salt=SIGNUP_SALT, compress=True)


def read_signup_token(token: str) -> tuple[str, str] | None:
    """The (email, workspace name) a sign-up link carries, or None when bad or too old."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    return data["e"], str(data.get("w", ""))


def _deliver(row: AccountEmail) -> None:
    if row.kind == AccountEmailKind.PASSWORD_RESET:
        emails.send_password_reset(row.to)
    elif row.kind == AccountEmailKind.SIGNUP:
        if not settings.REGISTRATION_OPEN:
            return  # closed since the request: its link would only lead to "closed"
        site = settings.SITE_URL
        if User.objects.filter(email__iexact=row.to).exists():
            emails.send_signup_exists(
                row.to,
                login_url=site + reverse("accounts:login"),
                reset_url=site + reverse("accounts:password_reset"),
            )
        else:
            name = str(row.data.get("workspace_name", ""))
            path = reverse("accounts:signup_finish", args=[signup_token(row.to, name)])
            emails.send_signup_link(row.to, site + path, name)
    elif row.kind == AccountEmailKind.WEBHOOK_DISABLED:
        # The page's path comes with the row: it belongs to a higher app (webhooks).
        emails.send_webhook_disabled(row.to, row.data, settings.SITE_URL + row.data.get("path", ""))
    else:
        raise ValueError(f"unknown account email kind {row.kind!r}")


def _claim(row_id: int, now: dt.datetime) -> bool:
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    return bool(
        AccountEmail.objects.filter(free, pk=row_id, sent_at__isnull=True).update(claimed_at=now)
    )


def send_due(limit: int = 50) -> int:
    """Send up to ``limit`` waiting account emails; how many went out."""
    now = timezone.now()
    due = (
        AccountEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("created")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for row_id in list(due):
        if not _claim(row_id, now):
            continue  # another worker took it
        row = AccountEmail.objects.get(pk=row_id)
        try:
            _deliver(row)
        except Exception as error:  # SMTP down, a template bug: try again later
            # The class name only: SMTP errors can quote the message or server credentials.
            AccountEmail.objects.filter(pk=row_id).update(
                claimed_at=None, attempts=row.attempts + 1, last_error=type(error).__name__
            )
            log.warning("account email %s (%s) failed: %s", row_id, row.kind, type(error).__name__)
            continue
        AccountEmail.objects.filter(pk=row_id).update(sent_at=timezone.now())
        sent += 1
    # Sent rows have done their job, and rows given up on are of no use a week later:
    # keeping addresses around would only be a liability.
    AccountEmail.objects.filter(sent_at__lt=now - dt.timedelta(days=1)).delete()
    AccountEmail.objects.filter(created__lt=now - dt.timedelta(days=7)).delete()
    return sent


def run(stop: threading.Event) -> None:
    """The worker's sender loop, until ``stop`` is set."""
    while not stop.is_set():
        try:
            send_due()
        except Exception:
            log.exception("account email sender failed")
        finally:
            close_old_connections()
        stop.wait(POLL_SECONDS)
