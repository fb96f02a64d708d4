"""The TIDAL adapter against the emulator over HTTP: PKCE connect through the login and
consent pages, refresh, profile, UPC / ISRC lookups with an app token, saves and follows
with Idempotency-Key, read back through cursor pages, the app's connection check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.platforms import tidal as tidal_module
from fanloop.platforms.base import AppCredentials, Capability, ItemRef, Pkce, Tokens
from fanloop.platforms.errors import AccessRevoked, NotFound
from fanloop.platforms.registry import get_platform
from fanloop.platforms.tidal import Tidal, listen_link, parse_link, scopes_for

from .helpers import (
    FUTURE_UPC,
    REDIRECT,
    RELEASED_UPC,
    STRIPPED_UPC,
    authorize_in_browser,
    ids,
    seed_catalog,
)

CLIENT, SECRET = "tidal-client", "tidal-secret"
FAN = "190000007"


@pytest.fixture
def tidal(
    admin: AdminClient, settings: SettingsWrapper, emulator_url: str, http: httpx.Client
) -> Iterator[Tidal]:
    settings.PLATFORM_EMULATOR_URL = emulator_url
    tidal_module._app_tokens.clear()
    admin.app(
        platform="tidal",
        client_id=CLIENT,
        client_secret=SECRET,
        redirect_uris=[REDIRECT],
        name="fanloop",
    )
    admin.user(platform="tidal", id=FAN, email="td@example.org", name="Tide Fan", country="NO")
    adapter = get_platform("tidal", AppCredentials(CLIENT, SECRET, REDIRECT), http)
    assert isinstance(adapter, Tidal)
    yield adapter


def _connect(tidal: Tidal, fan_browser: httpx.Client, caps: frozenset[Capability]) -> Tokens:
    pkce = Pkce.generate()
    url = tidal.authorize_url("st-1", pkce, caps)
    answer = authorize_in_browser(fan_browser, url, "td@example.org")
    assert answer["state"] == "st-1"
    return tidal.exchange_code(answer["code"], pkce)


def test_it_asks_for_the_narrowest_scopes_with_pkce(tidal: Tidal, emulator_url: str) -> None:
    pkce = Pkce.generate()
    url = tidal.authorize_url("st", pkce, frozenset({Capability.SAVE, Capability.VERIFY}))
    assert url.startswith(f"{emulator_url}/tidal/login/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["scope"] == "collection.read collection.write user.read"
    assert (query["code_challenge"], query["code_challenge_method"]) == (pkce.challenge, "S256")
    assert scopes_for(frozenset()) == ["collection.write", "user.read"]


def test_a_fan_connects_and_the_token_refreshes(
    tidal: Tidal, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    tokens = _connect(tidal, fan_browser, frozenset({Capability.SAVE}))
    assert tokens.refresh_token and tokens.expires_at is not None
    assert tokens.scopes == {"collection.write", "user.read"}
    profile = tidal.profile(tokens)
    assert (profile.user_id, profile.display_name, profile.country) == (FAN, "Tide Fan", "NO")
    fresh = tidal.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token and fresh.scopes == tokens.scopes
    admin.revoke(token=tokens.refresh_token)
    with pytest.raises(AccessRevoked):
        tidal.refresh(tokens)


def test_it_looks_up_releases_and_tracks_with_an_app_token(
    tidal: Tidal, admin: AdminClient
) -> None:
    seeded = seed_catalog(admin)
    released = ids(seeded, "released", "tidal")
    ref = tidal.lookup_release(RELEASED_UPC, "NO")
    assert ref is not None and ref.album_id == released["album"]
    assert ref.artist_ids == (released["artist"],)
    assert ref.url == listen_link("album", released["album"])
    assert tidal.lookup_release(FUTURE_UPC, "NO") is None  # not out yet
    track = tidal.lookup_track("USLP12000002", "NO")
    assert track is not None and track.track_id == released["tracks"][1]
    assert tidal.test_connection().ok
    albums = tidal.artist_albums(released["artist"], "NO", dt.date(2019, 1, 1))
    assert {(a.upc, a.release_date) for a in albums} == {
        (RELEASED_UPC, dt.date(2020, 1, 10)),
        (STRIPPED_UPC, dt.date(2020, 1, 10)),  # the future album is not out yet
    }
    assert released["album"] in {a.album_id for a in albums}
    assert tidal.artist_albums(released["artist"], "NO", dt.date(2021, 1, 1)) == []


def test_it_saves_follows_and_reads_back(
    tidal: Tidal, admin: AdminClient, fan_browser: httpx.Client
) -> None:
    seeded = seed_catalog(admin)
    released, future = ids(seeded, "released", "tidal"), ids(seeded, "future", "tidal")
    caps = frozenset({Capability.SAVE, Capability.FOLLOW, Capability.VERIFY})
    tokens = _connect(tidal, fan_browser, caps)
    album = ItemRef("album", released["album"])
    artist = ItemRef("artist", released["artist"])
    assert tidal.contains(tokens, [album, artist]) == [False, False]
    tidal.save(tokens, [album, artist])
    tidal.save(tokens, [album])  # already there: still saved, no error
    assert tidal.contains(tokens, [album, artist]) == [True, True]
    with pytest.raises(NotFound):  # not released in the fan's country yet
        tidal.save(tokens, [ItemRef("album", future["album"])])
    library = admin.library("tidal", FAN)
    assert [e["catalog_key"] for e in library["saved"]] == ["released"]
    assert tidal.write_calls([album, artist]) == 2


def test_it_parses_and_builds_listen_links() -> None:
    assert parse_link("https://tidal.com/browse/album/251380836?u") == ("album", "251380836")
    assert parse_link("https://listen.tidal.com/track/75413016") == ("track", "75413016")
    assert listen_link("artist", "7") == "https://tidal.com/artist/7"
    with pytest.raises(ValueError, match="TIDAL link"):
        parse_link("https://tidal.com/playlist/abc")


def test_a_wrong_secret_fails_the_connection_check(tidal: Tidal, http: httpx.Client) -> None:
    wrong = Tidal(AppCredentials(CLIENT, "nope", REDIRECT), *tidal_module.urls(""), http)
    wrong.auth_url, wrong.api_url = tidal.auth_url, tidal.api_url
    check = wrong.test_connection()
    assert not check.ok and "secret" in check.message
