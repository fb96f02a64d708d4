"""Secrets at rest: MultiFernet encryption with key rotation, and a model field using it.

Keys come from ``FANLOOP_ENCRYPTION_KEYS`` (comma-separated Fernet keys, the first one
encrypts, all of them decrypt). Outside production a key is generated on first run and
kept in the data dir, like the secret key; production refuses to start without keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


class DecryptionError(ValueError):
    """A stored secret cannot be decrypted with any configured key."""


@cache
def _fernet() -> MultiFernet:
    keys = settings.ENCRYPTION_KEYS
    return MultiFernet([Fernet(key.encode()) for key in keys])


def reset_keys_cache() -> None:
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext.startswith(PREFIX):
        raise DecryptionError("value is not an encrypted secret")
    try:
        return _fernet().decrypt(ciphertext[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this secret") from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt with the primary key (after a new key was put first)."""
    if not ciphertext.startswith(PREFIX):
        raise DecryptionError("value is not an encrypted secret")
    try:
        token = _fernet().rotate(ciphertext[len(PREFIX) :].encode())
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this secret") from None
    return PREFIX + token.decode()


def is_current(ciphertext: str) -> bool:
    """True when the primary (first) key alone decrypts this secret: nothing to rotate."""
    if not ciphertext.startswith(PREFIX):
        return False
    primary = Fernet(settings.ENCRYPTION_KEYS[0].encode())
    try:
        primary.decrypt(ciphertext[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted; reads give the plaintext. Empty stays empty (no secret)."""

    description = "Text encrypted at rest with MultiFernet"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of every installed model (what key rotation must visit)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field
