"""Bad identifiers get a clear message and nothing is half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fanloop.catalog.models import Artist, Release, Track
from fanloop.catalog.services import create_release, update_release
from fanloop.catalog.tests.conftest import VALID_UPC, upload
from fanloop.catalog.tests.test_release_create import form_data


def _create(
    artist: Artist, fields: dict[str, Any] | None = None, tracks: Sequence[Any] = ()
) -> Release:
    data: dict[str, Any] = {"title": "T", "release_date": dt.date(2026, 12, 4), **(fields or {})}
    return create_release(artist, data, tracks)  # type: ignore[arg-type]


def _errors(call: Callable[[], object]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_it_refuses_a_release_with_one_bad_isrc_and_writes_nothing(artist, _media_root):
    tracks = [
        {"title": "Good", "isrc": "USS1Z2600001"},
        {"title": "Bad", "isrc": "US-S1Z-26-0001"},
    ]
    errors = _errors(lambda: _create(artist, {"artwork": upload()}, tracks))
    assert errors["tracks"][0].startswith("Track 2: ISRC “US-S1Z-26-0001” is not valid")
    assert not Release.objects.exists()
    assert not Track.objects.exists()
    assert not [p for p in _media_root.rglob("*") if p.is_file()]


def test_it_shows_the_bad_isrc_on_its_row_in_the_form(owner_client, artist):
    data = form_data(artist, **{"tracks-1-isrc": "XX"})
    response = owner_client.post(
        reverse("catalog:release_create", kwargs={"ws": artist.workspace.slug}), data
    )
    assert response.status_code == 400
    assert "must look like CC-XXX-YY-NNNNN" in response.content.decode()
    assert not Release.objects.exists() and not Track.objects.exists()


def test_it_refuses_a_bad_upc_check_digit_on_the_form(owner_client, artist):
    response = owner_client.post(
        reverse("catalog:release_create", kwargs={"ws": artist.workspace.slug}),
        form_data(artist, upc="036000291455"),
    )
    assert response.status_code == 400
    assert "UPC check digit is wrong: expected 2, got 5." in response.content.decode()
    assert not Release.objects.exists()


def test_it_refuses_a_short_upc(artist):
    errors = _errors(lambda: _create(artist, {"upc": "12345678901"}))
    assert errors["upc"] == ["UPC must have 12 or 13 digits (got 11)."]


def test_it_refuses_a_upc_already_used_in_the_workspace(release):
    errors = _errors(lambda: _create(release.artist, {"upc": VALID_UPC}))
    assert errors["upc"][0].startswith(f"UPC {VALID_UPC} is already used by “First Light”")


def test_another_workspace_may_use_the_same_upc(release, other_artist):
    assert _create(other_artist, {"upc": VALID_UPC}).upc == VALID_UPC


def test_it_refuses_duplicate_isrcs_and_positions(artist):
    errors = _errors(
        lambda: _create(
            artist,
            tracks=[
                {"position": 1, "title": "A", "isrc": "USS1Z2600001"},
                {"position": 1, "title": "B", "isrc": "us-s1z-26-00001"},
            ],
        )
    )
    assert (
        "Tracks 1 and 2 are both at position 1; give each track its own position."
        in errors["tracks"]
    )
    assert any("same ISRC USS1Z2600001" in e for e in errors["tracks"])


def test_it_refuses_a_track_without_title(artist):
    assert _errors(lambda: _create(artist, tracks=[{"title": " ", "isrc": ""}]))["tracks"] == [
        "Track 1: enter a title."
    ]


def test_it_refuses_non_image_artwork(artist):
    errors = _errors(
        lambda: _create(artist, {"artwork": upload("a.png", b"GIF89a...", "image/png")})
    )
    assert errors["artwork"][0].startswith("Artwork must be a JPEG, PNG or WebP image")


def test_it_refuses_oversize_artwork(artist, settings):
    settings.ARTWORK_MAX_BYTES = 100
    assert _errors(lambda: _create(artist, {"artwork": upload()}))["artwork"][0].startswith(
        "Artwork file is too large"
    )


def test_it_refuses_an_unknown_time_zone(artist):
    errors = _errors(lambda: _create(artist, {"release_time_zone": "Mars/Olympus_Mons"}))
    assert errors["release_time_zone"][0].startswith("Unknown time zone “Mars/Olympus_Mons”")


def test_it_refuses_bad_album_links(artist):
    errors = _errors(
        lambda: _create(
            artist,
            {
                "platform_ids": {
                    "spotify": "https://www.deezer.com/album/1",
                    "tidal": "https://tidal.com/track/1",
                }
            },
        )
    )
    assert errors["spotify_album"][0].startswith(
        "This link is from Deezer; this field needs a link from Spotify"
    )
    assert errors["tidal_album"][0].startswith(
        "This TIDAL link is for a track, but this field needs an album link"
    )


def test_it_refuses_an_unknown_platform(artist):
    errors = _errors(lambda: _create(artist, {"platform_ids": {"napster": "1"}}))
    assert errors["napster_album"] == ["Unknown platform."]


def test_it_reports_every_problem_at_once(artist):
    errors = _errors(lambda: _create(artist, {"title": "", "upc": "1", "slug": "Bad Slug"}))
    assert {"title", "upc", "slug"} <= set(errors)


def test_a_failed_update_changes_nothing(release):
    before = [(t.pk, t.title, t.isrc) for t in release.tracks.all()]
    with pytest.raises(ValidationError):
        update_release(
            release,
            {"title": "Changed", "upc": "000000000001"},
            [{"title": "New", "isrc": "bad"}],
        )
    release.refresh_from_db()
    assert release.title == "First Light"
    assert [(t.pk, t.title, t.isrc) for t in release.tracks.all()] == before


def test_text_fields_have_length_limits(artist):
    errors = _errors(lambda: _create(artist, {"title": "x" * 201, "description": "y" * 2001}))
    assert errors["title"] == ["The title is too long: 201 characters; the maximum is 200."]
    assert errors["description"] == [
        "The description is too long: 2001 characters; the maximum is 2000."
    ]


def test_the_form_reports_upc_link_and_isrc_errors_together(owner_client, artist):
    data = form_data(
        artist,
        upc="036000291455",
        deezer_album="https://deezer.page.link/abc",
        **{"tracks-0-isrc": "US-123"},
    )
    response = owner_client.post(
        reverse("catalog:release_create", kwargs={"ws": artist.workspace.slug}), data
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "UPC check digit is wrong" in content
    assert "paste the full deezer.com link" in content
    assert "ISRC “US-123” is not valid" in content
    assert not Release.objects.exists()
