"""The registry answers what other apps used to spell out per platform: capabilities, the
scopes each needs, how fans sign in, what a grant can read back, token lifetimes, labels."""

from __future__ import annotations

import datetime as dt

import pytest

from fanloop.platforms import registry
from fanloop.platforms.base import Capability
from fanloop.platforms.info import SignIn


def test_it_lists_the_platforms_in_one_order() -> None:
    assert registry.keys() == ("spotify", "applemusic", "deezer", "tidal")
    assert [registry.label(k) for k in registry.keys()] == [
        "Spotify",
        "Apple Music",
        "Deezer",
        "TIDAL",
    ]
    assert registry.label("email") == "email"  # not a platform: said as it is
    with pytest.raises(registry.UnknownPlatform):
        registry.info("napster")


def test_it_knows_who_can_follow_and_how_fans_sign_in() -> None:
    assert registry.keys_with(Capability.SAVE) == registry.keys()
    assert registry.keys_with(Capability.FOLLOW) == ("spotify", "deezer", "tidal")
    assert registry.oauth_keys() == frozenset({"spotify", "deezer", "tidal"})
    assert registry.keys_signing_in(SignIn.ON_PAGE) == frozenset({"applemusic"})
    assert registry.signs_in_on_page("applemusic") and not registry.signs_in_on_page("spotify")


@pytest.mark.parametrize(
    ("key", "capability", "scopes"),
    [
        ("spotify", Capability.SAVE, {"user-library-modify"}),
        ("spotify", Capability.FOLLOW, {"user-follow-modify"}),
        ("spotify", Capability.VERIFY, {"user-library-read"}),
        ("deezer", Capability.FOLLOW, {"basic_access", "manage_library", "offline_access"}),
        ("deezer", Capability.VERIFY, {"basic_access", "manage_library", "offline_access"}),
        ("tidal", Capability.FOLLOW, {"collection.write", "user.read"}),
        ("tidal", Capability.VERIFY, {"collection.read", "collection.write", "user.read"}),
        ("applemusic", Capability.SAVE, set()),
        ("applemusic", Capability.FOLLOW, None),
        ("napster", Capability.SAVE, None),
    ],
)
def test_it_names_the_scopes_a_capability_needs(
    key: str, capability: Capability, scopes: set[str] | None
) -> None:
    expected = None if scopes is None else frozenset(scopes)
    assert registry.required_scopes(key, capability) == expected


def test_it_tells_whether_a_grant_allows_a_follow() -> None:
    assert registry.allows("spotify", Capability.FOLLOW, frozenset({"user-follow-modify"}))
    assert registry.allows("deezer", Capability.FOLLOW, frozenset({"manage_library"}))
    assert registry.allows("tidal", Capability.FOLLOW, frozenset({"collection.write"}))
    assert not registry.allows("spotify", Capability.FOLLOW, frozenset({"user-library-modify"}))
    assert not registry.allows("applemusic", Capability.FOLLOW, frozenset())


def test_it_tells_whether_a_grant_reads_follows_back() -> None:
    assert registry.can_read("spotify", "artist", frozenset({"user-follow-read"}))
    assert not registry.can_read("spotify", "artist", frozenset({"user-library-read"}))
    assert registry.can_read("tidal", "artist", frozenset({"collection.read"}))
    assert registry.can_read("deezer", "artist", frozenset())  # basic_access reads
    assert not registry.can_read("applemusic", "artist", frozenset())


def test_it_knows_whose_refresh_tokens_expire() -> None:
    assert registry.refresh_token_lifetimes() == {"spotify": dt.timedelta(days=182)}
