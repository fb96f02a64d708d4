"""Editing a release: fields, track rows (add, change, remove), moving it to another artist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from fanloop.catalog.models import Release, Track
from fanloop.catalog.services import create_artist, set_tracks, update_release


def _url(release: Release) -> str:
    return reverse(
        "catalog:release_edit", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


def _post_data(release: Release, **overrides: Any) -> dict[str, Any]:
    data = {
        "artist": release.artist.pk,
        "title": release.title,
        "slug": release.slug,
        "release_type": release.release_type,
        "release_mode": release.release_mode,
        "release_date": release.release_date.isoformat(),
        "release_time": "",
        "release_time_zone": release.release_time_zone,
        "upc": release.upc,
        "label_line": "",
        "description": "",
        "spotify_album": "",
        "applemusic_album": "",
        "deezer_album": "",
        "tidal_album": "",
        "tracks-TOTAL_FORMS": "4",
        "tracks-INITIAL_FORMS": "1",
        "tracks-MIN_NUM_FORMS": "0",
        "tracks-MAX_NUM_FORMS": "100",
        "tracks-0-position": "1",
        "tracks-0-title": "First Light",
        "tracks-0-isrc": "USS1Z9900001",
    }
    data.update(overrides)
    return data


def test_it_prefills_the_form_with_tracks(editor_client, release):
    content = editor_client.get(_url(release)).content.decode()
    assert 'value="First Light"' in content
    assert 'value="USS1Z9900001"' in content
    assert 'value="2026-12-04"' in content


def test_it_saves_fields_and_adds_a_track(editor_client, release):
    track_id = release.tracks.get().pk
    response = editor_client.post(
        _url(release),
        _post_data(
            release,
            title="First Light (Deluxe)",
            release_type="album",
            **{"tracks-1-title": "Afterglow", "tracks-1-isrc": "USS1Z9900002"},
        ),
    )
    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.title, release.release_type, release.slug) == (
        "First Light (Deluxe)",
        "album",
        "first-light",
    )
    tracks = list(release.tracks.all())
    assert [(t.position, t.title) for t in tracks] == [(1, "First Light"), (2, "Afterglow")]
    assert tracks[0].pk == track_id  # unchanged rows keep their identity


def test_it_removes_a_track_with_the_remove_box(editor_client, release):
    set_tracks(release, [{"title": "One"}, {"title": "Two"}, {"title": "Three"}])
    data = _post_data(
        release,
        **{
            "tracks-TOTAL_FORMS": "3",
            "tracks-INITIAL_FORMS": "3",
            "tracks-0-title": "One",
            "tracks-0-isrc": "",
            "tracks-1-position": "2",
            "tracks-1-title": "Two",
            "tracks-1-DELETE": "on",
            "tracks-2-position": "3",
            "tracks-2-title": "Three",
        },
    )
    assert editor_client.post(_url(release), data).status_code == 302
    assert [(t.position, t.title) for t in release.tracks.all()] == [(1, "One"), (2, "Three")]


def test_it_orders_tracks_by_the_positions_typed(release):
    set_tracks(
        release, [{"title": "C"}, {"position": 2, "title": "B"}, {"position": 1, "title": "A"}]
    )
    assert [t.title for t in release.tracks.all()] == ["A", "B", "C"]
    assert [t.position for t in release.tracks.all()] == [1, 2, 3]


def test_it_leaves_tracks_alone_when_none_are_given(release):
    update_release(release, {"title": "Renamed"})
    assert Track.objects.filter(release=release).count() == 1


def test_it_moves_a_release_to_another_artist_of_the_workspace(release, workspace):
    other = create_artist(workspace, name="Side Project")
    update_release(release, {"artist": other})
    release.refresh_from_db()
    assert release.artist == other
    assert release.public_path == "/side-project/first-light"


def test_local_mode_forgets_a_stale_time(release):
    update_release(
        release,
        {
            "release_mode": "global",
            "release_time": dt.time(15, 0),
            "release_time_zone": "Europe/Paris",
        },
    )
    update_release(release, {"release_mode": "local"})
    release.refresh_from_db()
    assert release.release_time == dt.time(0, 0)


def test_it_turns_upfront_consents_on_and_off(editor_client, release):
    assert not release.consents_upfront  # progressive by default
    content = editor_client.get(_url(release)).content.decode()
    assert "Ask for consents on the release page" in content
    editor_client.post(_url(release), _post_data(release, consents_upfront="on"))
    release.refresh_from_db()
    assert release.consents_upfront
    editor_client.post(_url(release), _post_data(release))
    release.refresh_from_db()
    assert not release.consents_upfront


def test_the_focus_track_is_one_of_the_releases_tracks(editor_client, release):
    import pytest
    from django.core.exceptions import ValidationError

    response = editor_client.post(
        _url(release),
        _post_data(
            release,
            focus_track="2",
            **{"tracks-1-title": "Afterglow", "tracks-1-isrc": "USS1Z9900002"},
        ),
    )
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.focus_track == 2
    two = {"tracks-1-title": "Afterglow", "tracks-1-isrc": "USS1Z9900002"}
    refused = editor_client.post(_url(release), _post_data(release, focus_track="7", **two))
    assert refused.status_code == 400
    assert "Choose a track number from the list (1 to 2)." in refused.content.decode()
    release.refresh_from_db()
    assert release.focus_track == 2 and release.tracks.count() == 2
    with pytest.raises(ValidationError):
        update_release(release, {"focus_track": 3})
    update_release(release, {"focus_track": None})
    release.refresh_from_db()
    assert release.focus_track is None


def test_the_track_prompt_offers_the_focus_track_first(release):
    from fanloop.fans.models import Fan
    from fanloop.messaging.rendering import fan_context

    set_tracks(release, [{"title": "One"}, {"title": "Two"}, {"title": "Three"}])
    fan = Fan.objects.create(workspace=release.artist.workspace, email="f@example.org")
    links = fan_context(fan, artist=None, release=release, message_pk=None)["track_links"]
    assert [title for title, _ in links()] == ["One", "Two", "Three"]
    update_release(release, {"focus_track": 3})
    release.refresh_from_db()
    links = fan_context(fan, artist=None, release=release, message_pk=None)["track_links"]
    assert [title for title, _ in links()] == ["Three", "One", "Two"]
