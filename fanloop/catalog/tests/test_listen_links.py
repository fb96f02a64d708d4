"""The "Listen links" page: editors paste a link per service (checked, one row each),
viewers read them, outsiders get a 404, and a forged POST changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fanloop.catalog import platform_ids
from fanloop.catalog.listen_links import set_listen_links
from fanloop.catalog.models import ListenLink, Release


def _url(release: Release) -> str:
    return reverse(
        "catalog:release_listen_links",
        kwargs={"ws": release.artist.workspace.slug, "pk": release.pk},
    )


def _rows(release: Release) -> dict[str, tuple[str, str]]:
    return {
        link.service: (link.url, link.label) for link in ListenLink.objects.filter(release=release)
    }


def test_an_editor_saves_links_stored_one_row_per_service(editor_client, release) -> None:
    response = editor_client.post(
        _url(release),
        {
            "url_tidal": "https://tidal.com/browse/album/77640617?u",
            "url_bandcamp": "https://novalights.bandcamp.com/album/first-light",
            "url_custom": "https://shop.novalights.example/vinyl",
            "custom_label": "  our   shop ",
        },
    )
    assert response.status_code == 302
    assert _rows(release) == {
        "tidal": ("https://tidal.com/browse/album/77640617", ""),
        "bandcamp": ("https://novalights.bandcamp.com/album/first-light", ""),
        "custom": ("https://shop.novalights.example/vinyl", "our shop"),
    }
    # An emptied field removes its row; the others stay.
    editor_client.post(
        _url(release),
        {"url_tidal": "https://tidal.com/browse/album/77640617", "url_bandcamp": ""},
    )
    assert set(_rows(release)) == {"tidal"}


def test_a_bad_link_is_refused_with_its_reason_and_nothing_changes(owner_client, release) -> None:
    set_listen_links(release, {"tidal": "https://tidal.com/album/1"})
    response = owner_client.post(
        _url(release),
        {
            "url_tidal": "https://tidal.com/album/2",
            "url_soundcloud": "http://soundcloud.com/nova/track",
            "url_amazonmusic": "https://music.amazon.com.evil.example/albums/B0",
            "url_custom": "https://shop.novalights.example/",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Paste the https:// address" in html
    assert "This is not a link to Amazon Music." in html
    assert "Name the custom link" in html
    assert _rows(release) == {"tidal": ("https://tidal.com/album/1", "")}


def test_the_service_refuses_unknown_services_and_long_labels(release) -> None:
    with pytest.raises(ValidationError) as caught:
        set_listen_links(
            release, {"myspace": "https://myspace.com/x", "custom": "https://a.example/"}, "x" * 41
        )
    assert set(caught.value.message_dict) == {"__all__", "custom_label"}
    assert not ListenLink.objects.exists()


def test_viewers_read_the_links_but_cannot_change_them(viewer_client, release) -> None:
    set_listen_links(release, {"soundcloud": "https://soundcloud.com/nova-lights"})
    page = viewer_client.get(_url(release))
    assert page.status_code == 200
    html = page.content.decode()
    assert "https://soundcloud.com/nova-lights" in html and "(pasted)" in html
    assert "<form" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    response = viewer_client.post(_url(release), {"url_soundcloud": ""})
    assert response.status_code == 403
    assert set(_rows(release)) == {"soundcloud"}


def test_it_shows_links_found_automatically(owner_client, release) -> None:
    platform_ids.write_release_ids(release, {"deezer": "302127"})
    html = owner_client.get(_url(release)).content.decode()
    assert "https://www.deezer.com/album/302127" in html and "found automatically" in html


def test_a_forged_post_is_refused(owner, release) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(_url(release), {"url_tidal": "https://tidal.com/album/3"})
    assert response.status_code == 403
    assert not ListenLink.objects.exists()


def test_the_release_page_links_to_it(owner_client, release) -> None:
    detail = reverse(
        "catalog:release_detail", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    assert _url(release) in owner_client.get(detail).content.decode()
