"""The artist page (/<artist>): next release with its pre-save, latest with its listen links,
the back catalogue, the email sign-up; cached, counted without cookies, never shadowing a
route."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import time_machine
from django.test import Client

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA, make_release
from fanloop.catalog.listen_links import set_listen_links
from fanloop.catalog.models import Artist, Release
from fanloop.lib.reserved import is_reserved
from fanloop.platforms.tests.app_factories import deezer_app

NOW = dt.datetime(2030, 4, 1, 12, tzinfo=dt.UTC)


def catalogue(artist: Artist) -> dict[str, Release]:
    """An old single, the latest album (out), and a single coming in ten days."""
    made = {
        "old": make_release(
            artist, title="Old Single", slug="old-single", short_code="old0001",
            release_date=dt.date(2029, 6, 1),
        ),
        "latest": make_release(
            artist, title="Latest Album", slug="latest-album", short_code="lat0001",
            release_date=dt.date(2030, 3, 1), release_type="album",
            album_ids={"spotify": "4aawyAB9vmqN3uQ7FjRGTy"},
        ),
        "next": make_release(
            artist, title="Next Single", slug="next-single", short_code="nxt0001",
            release_date=dt.date(2030, 4, 11),
        ),
        "draft": make_release(
            artist, title="Secret Draft", slug="secret-draft", short_code="drf0001",
            release_date=dt.date(2030, 5, 1), published=False,
        ),
    }  # fmt: skip
    set_listen_links(made["latest"], {"tidal": "https://tidal.com/browse/album/77640617"})
    return made


def test_it_shows_next_latest_and_back_catalogue(artist: Artist) -> None:
    catalogue(artist)
    with time_machine.travel(NOW, tick=False):
        response = Client().get("/nova-lights")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="title">Nova Lights</h1>' in html
    # Next: its countdown and pre-save buttons, with forever-save and follow boxes.
    assert 'href="/nova-lights/next-single">Next Single</a>' in html
    assert 'id="cd"' in html and "Out in 9 days" in html
    assert "Pre-save on Spotify" in html
    assert 'name="forever"' in html and 'name="follow"' in html
    # Latest: its counted listen links, pasted and found.
    assert 'href="/nova-lights/latest-album/listen/spotify"' in html
    assert 'href="/nova-lights/latest-album/listen/tidal"' in html
    # The back catalogue, without drafts.
    assert 'href="/nova-lights/old-single">Old Single</a>' in html
    assert "Secret Draft" not in html
    assert 'href="/nova-lights/next-single/notify">Get emails from Nova Lights' in html
    assert "Set-Cookie" not in response
    assert response["Cache-Control"] == "public, max-age=60"
    assert "script-src 'sha256-" in response["Content-Security-Policy"]


def test_it_works_with_only_past_releases_and_with_none(artist: Artist) -> None:
    made = catalogue(artist)
    made["next"].delete()
    with time_machine.travel(NOW, tick=False):
        html = Client().get("/nova-lights").content.decode()
    assert "Pre-save" not in html and 'id="cd"' not in html
    assert 'href="/nova-lights/latest-album/notify">Get emails' in html
    Release.objects.all().delete()
    html = Client().get("/nova-lights").content.decode()
    assert "Nothing out yet" in html and "<script>" not in html


def test_unknown_artists_are_404(db) -> None:
    assert Client().get("/nobody-here").status_code == 404


def test_it_records_a_page_view_without_cookies(artist: Artist) -> None:
    made = catalogue(artist)
    with time_machine.travel(NOW, tick=False):
        Client().get("/nova-lights", HTTP_USER_AGENT=BROWSER_UA)
        Client().head("/nova-lights", HTTP_USER_AGENT=BROWSER_UA)  # link checkers
    buffer.events.flush()
    event = Event.objects.get()
    assert (event.kind, event.release_id) == ("artist_view", made["next"].pk)
    assert len(event.visitor_id) == 16


def test_it_is_cached_and_an_edit_shows_at_once(artist: Artist) -> None:
    made = catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        first = client.get("/nova-lights")
        again = client.get("/nova-lights", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        made["old"].title = "Renamed Single"
        made["old"].save()
        assert "Renamed Single" in client.get("/nova-lights").content.decode()
        artist.name = "Nova Lights Band"
        artist.save()
        assert "Nova Lights Band" in client.get("/nova-lights").content.decode()
        set_listen_links(made["latest"], {})
        assert "/listen/tidal" not in client.get("/nova-lights").content.decode()


def test_the_next_release_turns_into_the_latest_on_release_day(artist: Artist) -> None:
    catalogue(artist)
    with time_machine.travel(dt.datetime(2030, 4, 12, 12, tzinfo=dt.UTC), tick=False):
        html = Client().get("/nova-lights").content.decode()
    assert 'Out now: <a href="/nova-lights/next-single">Next Single</a>' in html
    assert 'href="/nova-lights/latest-album">Latest Album</a>' in html  # back catalogue now


def test_it_fits_the_size_budget(artist: Artist) -> None:
    artist.name = "N" * 120
    for field in ("website_url", "instagram_url", "tiktok_url", "youtube_url"):
        setattr(artist, field, "https://example.com/" + "s" * 280)
    artist.save()
    made = catalogue(artist)
    set_listen_links(
        made["latest"],
        {
            "deezer": "https://www.deezer.com/album/302127",
            "tidal": "https://tidal.com/browse/album/77640617",
            "youtubemusic": "https://music.youtube.com/playlist?list=OLAK5uy_abc",
            "amazonmusic": "https://music.amazon.com/albums/B0CXYZ1234",
            "soundcloud": "https://soundcloud.com/nova-lights/sets/latest",
            "bandcamp": "https://novalights.bandcamp.com/album/latest",
            "custom": "https://shop.novalights.example/" + "v" * 400,
        },
        custom_label="V" * 40,
    )
    for n in range(30):
        make_release(
            artist, title="T" * 200, slug=f"old-{n}", short_code=f"bk{n:05d}",
            release_date=dt.date(2020, 1, 1) + dt.timedelta(days=n),
        )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        body = Client().get("/nova-lights").content
    assert len(gzip.compress(body)) <= 30 * 1024
    html = body.decode()
    assert len(re.findall(r'<li data-s="', html)) == 8
    # The back catalogue: the 24 newest earlier releases.
    assert html.count('href="/nova-lights/old-') == 24  # the old single and 23 of the 30


def test_it_never_shadows_a_route() -> None:
    for slug in ("w", "r", "a", "connect", "accounts", "healthz", "api", "e"):
        assert is_reserved(slug), slug


def test_routes_with_one_segment_still_reach_their_views(db) -> None:
    assert Client().get("/healthz")["Content-Type"] == "application/json"
    # Dashboard addresses typed without their slash are still sent to it.
    response = Client().get("/dashboard")
    assert response.status_code == 301 and response["Location"] == "/dashboard/"


def test_it_has_language_landmarks_and_one_heading(artist: Artist) -> None:
    catalogue(artist)
    with time_machine.travel(NOW, tick=False):
        html = Client().get("/nova-lights").content.decode()
    assert '<html lang="en">' in html
    assert html.count("<main>") == 1 and "<footer>" in html
    assert html.count("<h1") == 1
    for section in ("next-h", "latest-h", "back-h"):
        assert f'<section aria-labelledby="{section}"' in html and f'id="{section}"' in html
    # Every box has its label.
    for name in ("forever", "follow"):
        assert f'id="c-{name}"' in html and f'<label for="c-{name}">' in html


def test_without_a_next_release_it_offers_saving_future_releases(artist: Artist) -> None:
    made = catalogue(artist)
    made["next"].delete()
    deezer_app(artist.workspace)
    with time_machine.travel(NOW, tick=False):
        html = Client().get("/nova-lights").content.decode()
    assert 'formaction="/connect/deezer/start"' in html
    assert f'name="release" value="{made["latest"].pk}"' in html
    assert 'name="after" value="1"' in html and "Save future releases on Deezer" in html


def test_members_visits_are_not_counted(artist: Artist, owner) -> None:
    catalogue(artist)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.force_login(owner)  # a session of that day (sessions expire)
        assert client.get("/nova-lights", HTTP_USER_AGENT=BROWSER_UA).status_code == 200
    buffer.events.flush()
    assert not Event.objects.exists()
