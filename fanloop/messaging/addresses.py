"""The keyed hash the suppression list finds an address by, so an erased fan's address
can stay refused without being kept.

The key is derived from ``SECRET_KEY`` (``salted_hmac`` with a salt of its own), not
from ``FANLOOP_ENCRYPTION_KEYS``: those are rotated by re-encrypting every secret and
then dropping the old key, which a hash (of an address no longer kept) cannot follow.
Django's own rotation, ``SECRET_KEY_FALLBACKS``, can: lookups try the hash under
``SECRET_KEY`` and each fallback, and a row found under a fallback is re-keyed when its
address is suppressed again. A key dropped from the fallbacks loses the suppressions of
erased fans hashed under it (those of living fans are re-keyed from their address).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "fanloop.messaging.suppression-address"


def address_hash(address: str, *, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the stored form of an address, under ``SECRET_KEY``."""
    return salted_hmac(SALT, address.strip().lower(), secret=secret, algorithm="sha256").hexdigest()


def address_hashes(address: str) -> list[str]:
    """The address's hash under ``SECRET_KEY`` first, then under each fallback key."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [address_hash(address, secret=key) for key in keys]
