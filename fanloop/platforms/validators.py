"""Checks for platform app credentials as pasted by a workspace owner: ids (in the format
each adapter module declares), secrets, allow-lists and limits. Each returns the cleaned value
or raises ``ValidationError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

NAME_MAX = 100
ID_MAX = 200
SECRET_MIN = 8
SECRET_MAX = 200
CAP_MAX = 1_000_000
BUDGET_MAX = 100_000

WHITESPACE_RE = re.compile(r"\s")


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if len(name) > NAME_MAX:
        raise ValidationError(f"Keep the name under {NAME_MAX} characters.")
    return name


def _no_inner_whitespace(value: str, what: str) -> str:
    value = value.strip()
    if WHITESPACE_RE.search(value):
        raise ValidationError(f"The {what} contains spaces or line breaks: copy it again.")
    return value


@dataclass(frozen=True)
class IdFormat:
    """How a platform shows an app's ids (its adapter module says), and what an owner is told
    when a pasted one does not fit."""

    pattern: re.Pattern[str]
    what: str  # "client id": named in the messages
    missing: str  # the message for an empty value
    refusal: str  # the message for a value that does not fit ``pattern``
    upper: bool = False  # upper-cased before the check (the platform shows capitals)

    def clean(self, value: str) -> str:
        if self.upper:
            value = value.strip().upper()
        else:
            value = _no_inner_whitespace(value, self.what)
        if not value:
            raise ValidationError(self.missing)
        if not self.pattern.match(value):
            raise ValidationError(self.refusal)
        return value


def clean_secret(value: str, what: str = "secret") -> str:
    value = _no_inner_whitespace(value, what)
    if not value:
        raise ValidationError(f"Enter the {what}.")
    if len(value) > SECRET_MAX:
        raise ValidationError(f"That is too long for a {what} (at most {SECRET_MAX} characters).")
    if len(value) < SECRET_MIN:
        raise ValidationError(f"That is too short for a {what}: copy the whole value.")
    return value


EMAIL_MAX = 254


def clean_allowed_emails(value: object, limit: int) -> list[str]:
    """An app's development-mode allow-list: emails (a list, or text with one per line or
    separated by commas), lower-cased, each once, at most ``limit``."""
    items = value if isinstance(value, list | tuple) else re.split(r"[\s,;]+", str(value or ""))
    emails: list[str] = []
    for raw in items:
        email = str(raw).strip().lower()
        if not email or email in emails:
            continue
        if len(email) > EMAIL_MAX:
            raise ValidationError(f"“{email[:40]}…” is longer than an email address can be.")
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(f"“{email}” is not an email address.") from None
        emails.append(email)
    if len(emails) > limit:
        raise ValidationError(
            f"A development-mode app serves at most {limit} accounts, yours included: "
            f"list at most {limit} ({len(emails)} given)."
        )
    return emails


def clean_user_cap(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= CAP_MAX:
        raise ValidationError(f"The user cap is a number from 1 to {CAP_MAX:,}, or empty.")
    return value


def clean_budget(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= BUDGET_MAX:
        raise ValidationError(
            f"The request budget is a number from 1 to {BUDGET_MAX:,} per 30 seconds, or empty."
        )
    return value
