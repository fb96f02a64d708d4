"""Secrets at rest: MultiFernet round trips, key order (the first key encrypts), rotation, and
the registry of encrypted columns that key rotation visits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from fanloop.lib import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings) -> Iterator[object]:
    def use(*keys: str) -> None:
        settings.ENCRYPTION_KEYS = list(keys)
        crypto.reset_keys_cache()

    yield use
    crypto.reset_keys_cache()


def test_it_round_trips_with_a_prefix(keys):
    keys(OLD)
    secret = crypto.encrypt("hello")
    assert secret.startswith("fernet:") and "hello" not in secret
    assert crypto.decrypt(secret) == "hello"


def test_it_decrypts_with_any_key_but_encrypts_with_the_first(keys):
    keys(OLD)
    old_secret = crypto.encrypt("hello")
    keys(NEW, OLD)
    assert crypto.decrypt(old_secret) == "hello"
    assert not crypto.is_current(old_secret)
    assert crypto.is_current(crypto.encrypt("hello"))


def test_it_rotates_to_the_first_key(keys):
    keys(OLD)
    old_secret = crypto.encrypt("hello")
    keys(NEW, OLD)
    rotated = crypto.rotate(old_secret)
    keys(NEW)
    assert crypto.decrypt(rotated) == "hello"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old_secret)


def test_it_refuses_values_without_the_prefix(keys):
    keys(OLD)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text")
    assert not crypto.is_current("plain text")


def test_it_lists_every_encrypted_column():
    columns = {(m._meta.label, f.name) for m, f in crypto.encrypted_fields()}
    assert {
        ("fans.PlatformConnection", "access_token"),
        ("fans.PlatformConnection", "refresh_token"),
        ("platforms.PlatformApp", "client_secret"),
        ("platforms.PlatformApp", "private_key"),
    } <= columns


def test_it_refuses_to_rotate_what_no_key_decrypts(keys):
    keys(OLD)
    secret = crypto.encrypt("hello")
    keys(NEW)
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate(secret)
