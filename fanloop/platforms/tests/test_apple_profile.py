"""Apple Music has no user id: the profile carries none, only the storefront as the country."""

from __future__ import annotations

from emulator.testing import AdminClient
from fanloop.platforms.applemusic import AppleMusic
from fanloop.platforms.base import Pkce

from .helpers import apple_tokens


def test_it_reads_the_storefront_and_no_user_id(apple: AppleMusic, admin: AdminClient) -> None:
    tokens = apple.exchange_code(apple_tokens(admin, country="GB").access_token, Pkce.generate())
    profile = apple.profile(tokens)
    assert profile.user_id is None
    assert profile.country == "GB"
    assert apple.refresh(tokens) is tokens
