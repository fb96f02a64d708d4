"""Password rules for every form that sets a password (sign-up, reset, change).

Uses ``AUTH_PASSWORD_VALIDATORS`` when settings define it, else Django's usual four.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation

# Django's recommended set: a new install must not accept "password1" out of the box.
DEFAULT_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def validators() -> list[Any]:
    config = getattr(settings, "AUTH_PASSWORD_VALIDATORS", None) or DEFAULT_VALIDATORS
    return password_validation.get_password_validators(config)


def validate(password: str, user: Any = None) -> None:
    """Raise ``ValidationError`` listing every rule ``password`` breaks."""
    password_validation.validate_password(password, user, password_validators=validators())


def help_text_html() -> str:
    return password_validation.password_validators_help_text_html(validators())
