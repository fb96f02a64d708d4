"""One signer for every link fanloop sends (lib/signing.py): tokens already in the wild keep
reading (same salts, same format), keys rotate through SECRET_KEY_FALLBACKS, and a token
never reads under another salt, after its expiry, or once changed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from fanloop.fans import links
from fanloop.lib.signing import InvalidLink, sign, unsign
from fanloop.messaging import tokens
from fanloop.messaging.action_links import read_action_token

# Tokens made by the signing code as it was before lib/signing.py (each app's own _sign,
# Django's TimestampSigner, compressed JSON), with this key, on 1 November 2026 at noon.
OLD_KEY = "old-format-test-key-0123456789abcdefghijklmnopqrstuvwxyz"
MADE = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
PORTAL = "eyJmIjo0MSwidyI6N30:1xNUEC:QGIMw__ERxem8y2WrsjPBmxID7ZMNvo8sWUgT8tW0mQ"
CONFIRM = (
    "eyJmIjo0MSwiZSI6ImZhbkBleGFtcGxlLm9yZyJ9:1xNUEC:j12xn5AmccIs8tka20uJyiuVt1ir9chwNBByTpR4GVc"
)
ACTION = "eyJmIjo0MSwiciI6MywiYSI6InNhdmUifQ:1xNUEC:VD4DAePoDFaqIyDTcNGx26xHEcFWGzDQZPlvmcUQxXQ"
UNSUBSCRIBE = "eyJmIjo0MSwibSI6bnVsbH0:1xNUEC:ZBm0rj1MoKj0p6Z104mrhJGF_huOBjtLH6v7xRZTNEQ"
CLICK = (
    "eyJtIjo1LCJ1IjoiaHR0cHM6Ly9leGFtcGxlLm9yZy94In0:1xNUEC:"
    "pD5DVc5vwk492hHz9AnTwS3eHqhYM1hq-DjMGNwyZ64"
)
OPEN = "eyJtIjo1fQ:1xNUEC:Hm3zcDKQp--O8ZGYLtH7SuqZQ6g0ueUoGWvEZAx_uek"
# An open-pixel token from before email tokens carried a timestamp (Django's Signer).
UNSTAMPED_OPEN = "eyJtIjo1fQ:EW8mmLr8e_05YQUZgI9a8kwHrQKsCRLK-_tugcancmg"


@override_settings(SECRET_KEY=OLD_KEY)
def test_tokens_made_before_the_one_signer_still_read():
    with time_machine.travel(MADE + dt.timedelta(days=1), tick=False):
        assert links.read_portal_token(PORTAL) == (41, 7)
        assert links.read_confirm_token(CONFIRM) == (41, "fan@example.org")
        assert read_action_token(ACTION) == (41, 3, "save", None)
        assert tokens.read_unsubscribe_token(UNSUBSCRIBE) == (41, None)
        assert tokens.read_click_token(CLICK) == (5, "https://example.org/x")
        assert tokens.read_open_token(OPEN) == 5
        assert tokens.read_open_token(UNSTAMPED_OPEN) == 5


@override_settings(SECRET_KEY=OLD_KEY)
def test_the_same_payload_signs_to_the_same_token():
    with time_machine.travel(MADE, tick=False):
        assert links.portal_token(41, 7) == PORTAL
        assert links.confirm_token(41, "fan@example.org") == CONFIRM
        assert sign({"m": 5}, tokens.OPEN_SALT) == OPEN


@override_settings(SECRET_KEY="the-new-key-0123456789abcdefghijklmnopqrstuvwxyz")
def test_a_token_of_a_rotated_key_reads_while_the_key_is_a_fallback():
    with time_machine.travel(MADE + dt.timedelta(days=1), tick=False):
        with pytest.raises(InvalidLink):
            links.read_portal_token(PORTAL)
        with override_settings(SECRET_KEY_FALLBACKS=[OLD_KEY]):
            assert links.read_portal_token(PORTAL) == (41, 7)


def test_a_token_expires_after_its_max_age():
    with time_machine.travel(MADE, tick=False):
        token = sign({"f": 1}, "fanloop.test")
    with time_machine.travel(MADE + dt.timedelta(days=2), tick=False):
        assert unsign(token, "fanloop.test", max_age=dt.timedelta(days=3)) == ({"f": 1}, False)
        with pytest.raises(InvalidLink) as expired:
            unsign(token, "fanloop.test", max_age=dt.timedelta(days=1))
    assert expired.value.expired


def test_a_token_never_reads_under_another_salt_or_once_changed():
    token = sign({"f": 1}, "fanloop.one")
    with pytest.raises(InvalidLink) as other_salt:
        unsign(token, "fanloop.two")
    assert not other_salt.value.expired
    with pytest.raises(InvalidLink):
        unsign(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "fanloop.one")


def test_an_unstamped_token_reads_only_where_asked_for():
    with override_settings(SECRET_KEY=OLD_KEY):
        assert unsign(UNSTAMPED_OPEN, tokens.OPEN_SALT, accept_unstamped=True) == ({"m": 5}, True)
        with pytest.raises(InvalidLink):
            unsign(UNSTAMPED_OPEN, tokens.OPEN_SALT)
