"""Recording a platform pre-save is one service in one transaction that says what it did:
the fan, the connection, the pre-save and the consents, and which of them are new."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Release
from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave
from fanloop.fans.presaves import Attribution, PreSaveRecorded, record_platform_presave
from fanloop.platforms.base import Profile, Tokens
from fanloop.platforms.models import PlatformApp

from .conftest import make_release


def _record(
    release: Release,
    app: PlatformApp,
    user_id: str = "fan1",
    *,
    email: str | None = None,
    fan: Fan | None = None,
    kinds: Iterable[str] = (),
) -> PreSaveRecorded:
    return record_platform_presave(
        release,
        app,
        Profile(user_id=user_id, display_name="Fan One", country="DE", email=email),
        Tokens(access_token=f"AT-{user_id}", scopes=frozenset({"user-library-modify"})),
        page=release.public_path,
        fan=fan,
        attribution=Attribution(utm_source="newsletter"),
        consent_kinds=kinds,
    )


def test_it_creates_a_new_fan_with_everything(spotify_app, release):
    recorded = _record(release, spotify_app, kinds=["follow", "email"])

    assert recorded.fan_created and recorded.connection_created and recorded.presave_created
    assert not recorded.known_by_platform_user
    assert recorded.fan == Fan.objects.get()
    assert recorded.connection == PlatformConnection.objects.get(fan=recorded.fan)
    assert recorded.presave == PreSave.objects.get(fan=recorded.fan, platform="spotify")
    assert recorded.presave.utm_source == "newsletter"
    assert [c.kind for c in recorded.consents] == ["follow", "email"]
    assert set(Consent.objects.values_list("kind", flat=True)) == {"follow", "email"}
    assert all(c.artist == release.artist for c in recorded.consents)
    assert FanEvent.objects.filter(fan=recorded.fan, kind=FanEventKind.PRESAVED).count() == 1


def test_it_finds_a_returning_fan_by_the_platform_user(spotify_app, release, artist):
    first = _record(release, spotify_app)
    again = _record(release, spotify_app)
    other = _record(make_release(artist, title="Second Light"), spotify_app)

    assert again.fan == first.fan == other.fan
    assert not again.fan_created and not again.connection_created
    assert not again.presave_created and again.presave == first.presave
    assert again.known_by_platform_user
    assert other.presave_created and not other.fan_created
    assert Fan.objects.count() == 1 and PreSave.objects.count() == 2


def test_a_second_platform_adds_a_connection_to_the_same_fan(spotify_app, deezer_app, release):
    first = _record(release, spotify_app, email="fan@example.org")
    second = _record(release, deezer_app, user_id="9001", email="fan@example.org")

    assert second.fan == first.fan
    assert not second.fan_created and second.connection_created and second.presave_created
    # Found by the platform's email, not by this platform user: not proven to be anyone's.
    assert not second.known_by_platform_user
    assert set(PlatformConnection.objects.values_list("platform", flat=True)) == {
        "spotify",
        "deezer",
    }
    assert set(PreSave.objects.values_list("platform", flat=True)) == {"spotify", "deezer"}


def test_the_fan_this_browser_proved_to_be_gets_the_presave(spotify_app, deezer_app, release):
    known = _record(release, spotify_app).fan
    recorded = _record(release, deezer_app, user_id="9001", fan=known)
    assert recorded.fan == known and not recorded.fan_created


def test_a_failure_mid_way_writes_nothing(spotify_app, release):
    with pytest.raises(ValueError, match="unknown consent kind"):
        _record(release, spotify_app, kinds=["follow", "no-such-kind"])

    assert not Fan.objects.exists()
    assert not PlatformConnection.objects.exists()
    assert not PreSave.objects.exists()
    assert not Consent.objects.exists()
    assert not FanEvent.objects.exists()


def test_a_failure_on_a_returning_fan_leaves_its_rows_as_they_were(spotify_app, release, artist):
    first = _record(release, spotify_app)
    with pytest.raises(ValueError, match="unknown consent kind"):
        _record(make_release(artist, title="Second Light"), spotify_app, kinds=["no-such-kind"])

    assert list(PreSave.objects.all()) == [first.presave]
    assert PlatformConnection.objects.get().access_token == "AT-fan1"
