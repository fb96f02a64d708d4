"""The releases list: rows, filters, 25 per page, empty states, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist
from fanloop.catalog.services import create_artist, create_release, publish_release


def _url(workspace: Workspace) -> str:
    return reverse("catalog:dashboard", kwargs={"ws": workspace.slug})


def _many(artist: Artist, count: int) -> None:
    for n in range(count):
        create_release(
            artist,
            {"title": f"Song {n:02d}", "release_date": dt.date(2026, 1, 1) + dt.timedelta(days=n)},
        )


def test_it_lists_releases_with_artist_date_and_status(viewer_client, release):
    publish_release(release)
    content = viewer_client.get(_url(release.artist.workspace)).content.decode()
    assert "First Light" in content and "Alice Band" in content
    assert "4 Dec 2026" in content
    assert "Published" in content
    assert 'href="http://127.0.0.1:8000/alice-band/first-light"' in content


def test_drafts_link_to_their_preview(viewer_client, release):
    content = viewer_client.get(_url(release.artist.workspace)).content.decode()
    assert "Draft" in content
    assert 'href="/alice-band/first-light?preview=1"' in content


def test_it_pages_by_25(owner_client, artist):
    _many(artist, 30)
    first = owner_client.get(_url(artist.workspace)).content.decode()
    second = owner_client.get(_url(artist.workspace) + "?page=2").content.decode()
    assert first.count("Song ") == 25 and "Page 1 of 2" in first
    assert second.count("Song ") == 5 and "Song 00" in second  # oldest date last
    assert owner_client.get(_url(artist.workspace) + "?page=99").status_code == 200


def test_it_runs_few_queries_however_many_rows(owner_client, artist, django_assert_max_num_queries):
    _many(artist, 25)
    # Session, user, membership, count, page, numbers, checklist, one per attention source.
    with django_assert_max_num_queries(15):
        owner_client.get(_url(artist.workspace))


def test_it_filters_by_search_status_and_artist(owner_client, release, workspace):
    other = create_artist(workspace, name="Bobby")
    create_release(other, {"title": "Other Song", "release_date": dt.date(2026, 5, 1)})
    url = _url(workspace)
    assert "Other Song" not in owner_client.get(url + "?q=first").content.decode()
    assert "First Light" not in owner_client.get(url + f"?artist={other.pk}").content.decode()
    assert "No release matches" in owner_client.get(url + "?status=published").content.decode()


def test_empty_state_invites_to_add_an_artist(owner_client, workspace):
    content = owner_client.get(_url(workspace)).content.decode()
    assert "No releases yet." in content and "Add your first artist" in content


def test_empty_state_invites_to_create_a_release(owner_client, artist):
    assert "Create your first release" in owner_client.get(_url(artist.workspace)).content.decode()


def test_empty_state_for_viewers_has_no_button(viewer_client, workspace):
    content = viewer_client.get(_url(workspace)).content.decode()
    assert "Owners and editors of this workspace can add releases." in content


def test_it_shows_only_this_workspace(owner_client, workspace, other_release):
    assert "Secret" not in owner_client.get(_url(workspace)).content.decode()
