"""Apple's developer token: an ES256 JWT (kid, iss, iat, exp) the emulator verifies against the
app's key, signed once and cached; the connection check names what is wrong."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import httpx
import jwt
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fanloop.platforms.applemusic import DEVELOPER_TOKEN_TTL_S, AppleMusic

from .helpers import APPLE_KEY_ID, APPLE_TEAM_ID


def _with(
    apple: AppleMusic,
    http: httpx.Client,
    *,
    team_id: str = APPLE_TEAM_ID,
    key_id: str = APPLE_KEY_ID,
    private_key: str | None = None,
) -> AppleMusic:
    credentials = dataclasses.replace(
        apple.app,
        team_id=team_id,
        key_id=key_id,
        private_key=apple.app.private_key if private_key is None else private_key,
    )
    return AppleMusic(credentials, apple.api_url, http)


def _other_key() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_it_signs_a_developer_token_the_platform_accepts(
    apple: AppleMusic, apple_app: dict[str, Any]
) -> None:
    token = apple.developer_token()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["kid"] == APPLE_KEY_ID
    claims = jwt.decode(token, apple_app["public_key"], algorithms=["ES256"])
    assert claims["iss"] == APPLE_TEAM_ID
    assert claims["exp"] - claims["iat"] == DEVELOPER_TOKEN_TTL_S
    assert abs(claims["iat"] - time.time()) < 5
    assert apple.developer_token() == token  # cached, not signed again
    check = apple.test_connection()
    assert check.ok, check.message


def test_it_names_a_key_that_does_not_match(apple: AppleMusic, http: httpx.Client) -> None:
    check = _with(apple, http, private_key=_other_key()).test_connection()
    assert not check.ok
    assert "refused the developer token" in check.message


def test_it_names_an_unknown_key_id_or_team(apple: AppleMusic, http: httpx.Client) -> None:
    for wrong in (_with(apple, http, key_id="OTHERKEY00"), _with(apple, http, team_id="WRONG")):
        check = wrong.test_connection()
        assert not check.ok
        assert "check the team id, the key id" in check.message


def test_it_names_a_key_that_cannot_sign(apple: AppleMusic, http: httpx.Client) -> None:
    check = _with(apple, http, private_key="-----BEGIN PRIVATE KEY-----\nnope").test_connection()
    assert not check.ok
    assert ".p8 key" in check.message


def test_it_signs_again_near_expiry(apple: AppleMusic) -> None:
    token = apple.developer_token()
    start = time.time()
    with time_machine.travel(start + DEVELOPER_TOKEN_TTL_S - 700, tick=False):
        assert apple.developer_token() == token  # still more than ten minutes left
    with time_machine.travel(start + DEVELOPER_TOKEN_TTL_S - 300, tick=False):
        fresh = apple.developer_token()
    assert fresh != token
    assert jwt.decode(fresh, options={"verify_signature": False})["iat"] > start
