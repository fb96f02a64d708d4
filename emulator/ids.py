"""Identifier shapes of each platform: Spotify base62 ids, Deezer integers, Apple numbers.

Catalog ids are derived from the item's key so the same seed data gives the same ids on every
run; tokens and codes are random.
"""

from __future__ import annotations

import hashlib
import re
import secrets

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Spotify ids are 22 base62 characters; anything else is "Invalid base62 id".
SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
DIGITS = re.compile(r"^[0-9]+$")


def _digest(platform: str, kind: str, key: str) -> int:
    raw = hashlib.sha256(f"{platform}:{kind}:{key}".encode()).digest()
    return int.from_bytes(raw[:16], "big")


def spotify_id(kind: str, key: str) -> str:
    n = _digest("spotify", kind, key)
    out = []
    for _ in range(22):
        n, r = divmod(n, 62)
        out.append(BASE62[r])
    return "".join(out)


def deezer_id(kind: str, key: str) -> str:
    # Deezer ids are positive integers; 9 to 10 digits like real album ids.
    return str(100_000_000 + _digest("deezer", kind, key) % 4_000_000_000)


def apple_id(kind: str, key: str) -> str:
    return str(1_000_000_000 + _digest("apple", kind, key) % 8_999_999_999)


def tidal_id(kind: str, key: str) -> str:
    # TIDAL resource ids are decimal strings (e.g. album ``251380836``, track ``75413016``).
    return str(10_000_000 + _digest("tidal", kind, key) % 900_000_000)


def catalog_id(platform: str, kind: str, key: str) -> str:
    if platform == "tidal":
        return tidal_id(kind, key)
    if platform == "spotify":
        return spotify_id(kind, key)
    if platform == "deezer":
        return deezer_id(kind, key)
    return apple_id(kind, key)


def token(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def user_id(platform: str, seq: int) -> str:
    """A fresh user id in the platform's shape (Spotify usernames, Deezer integers)."""
    if platform == "deezer":
        return str(5_000_000_000 + seq)
    if platform == "tidal":
        return str(190_000_000 + seq)
    return f"emu{seq:07d}" if platform == "spotify" else f"apple{seq:07d}"
