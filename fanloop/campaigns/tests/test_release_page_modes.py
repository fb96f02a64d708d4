"""The page shows pre-save buttons before release and listen links after, by itself."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from fanloop.catalog.models import Release, ReleasePlatformId

BEFORE = dt.datetime(2030, 3, 12, 9, 0, tzinfo=dt.UTC)  # release: 2030-03-15 00:00 London
AFTER = dt.datetime(2030, 3, 15, 0, 0, 1, tzinfo=dt.UTC)


def test_it_shows_countdown_and_presave_buttons_before_release(release: Release) -> None:
    with time_machine.travel(BEFORE, tick=False):
        response = Client().get("/nova-lights/midnight-signal")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Out in 2 days" in html
    assert 'role="timer"' in html
    for name in ("Spotify", "Apple Music", "Deezer"):
        assert f"Pre-save on {name}" in html
    assert 'type="submit" formaction="/connect/spotify/start"' in html
    assert f'<input type="hidden" name="release" value="{release.pk}">' in html
    assert "Listen on" not in html
    assert "Out Friday 15 March 2030 at midnight, your local time" in html


def test_it_links_to_the_email_optin_before_release(release: Release) -> None:
    with time_machine.travel(BEFORE, tick=False):
        html = Client().get("/nova-lights/midnight-signal").content.decode()
    # The address and the consent are asked on the notify-me page (CSRF-protected POST),
    # never sent from this cookie-less page, so no email ends up in a URL or a log.
    assert 'href="/nova-lights/midnight-signal/notify"' in html
    assert 'type="email"' not in html


def test_it_shows_listen_links_after_release(release: Release) -> None:
    with time_machine.travel(AFTER, tick=False):
        html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert 'href="/nova-lights/midnight-signal/listen/spotify"' in html
    assert 'href="/nova-lights/midnight-signal/listen/deezer"' in html
    # No album id and no artist link for Apple Music: no button rather than a dead one.
    assert "/listen/applemusic" not in html
    assert "Pre-save" not in html
    # After release the script only remembers the fan's listen choice: no countdown.
    assert 'id="cd"' not in html
    assert "Released 15 March 2030" in html


def test_it_says_so_when_no_listen_link_is_known_yet(release: Release) -> None:
    ReleasePlatformId.objects.filter(release=release).delete()
    with time_machine.travel(AFTER, tick=False):
        html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert "Listen links are on their way" in html


def test_it_switches_mode_at_the_release_instant_despite_the_cache(release: Release) -> None:
    client = Client()
    with time_machine.travel(AFTER - dt.timedelta(seconds=5), tick=False):
        first = client.get("/nova-lights/midnight-signal")
        again = client.get("/nova-lights/midnight-signal")
    assert "Pre-save on Spotify" in first.content.decode()
    assert again.content == first.content  # served from the page cache
    # The browser may not keep the pre-release page past the switch.
    assert first["Cache-Control"] == "public, max-age=4"
    with time_machine.travel(AFTER, tick=False):
        after = client.get("/nova-lights/midnight-signal")
    assert "Listen on Spotify" in after.content.decode()


def test_it_renders_the_artwork_with_size_and_alt_text(release: Release) -> None:
    release.artwork.name = "artwork/cover.jpg"
    release.save()
    with time_machine.travel(BEFORE, tick=False):
        html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert (
        '<img class="art" src="/media/artwork/cover.jpg" width="600" height="600" '
        'alt="Cover art of Midnight Signal by Nova Lights"'
    ) in html


def test_it_shows_the_global_release_time_with_its_zone(release: Release) -> None:
    release.release_mode = "global"
    release.release_time = dt.time(18, 0)
    release.save()
    with time_machine.travel(BEFORE, tick=False):
        html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert "Out Friday 15 March 2030, 18:00 Europe/London" in html
