"""The release page: links with copy buttons, preview, tracks, timing and the audience panel."""

from __future__ import annotations

from django.urls import reverse

from fanloop.catalog.models import Release


def _url(release: Release) -> str:
    return reverse(
        "catalog:release_detail", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


def test_it_shows_the_public_and_short_links_as_text(viewer_client, release):
    content = viewer_client.get(_url(release)).content.decode()
    assert '<code id="public-url">http://127.0.0.1:8000/alice-band/first-light</code>' in content
    assert f'<code id="short-url">http://127.0.0.1:8000/r/{release.short_code}</code>' in content
    assert f'data-copy="http://127.0.0.1:8000/r/{release.short_code}"' in content


def test_it_links_the_preview(viewer_client, release):
    assert (
        'href="/alice-band/first-light?preview=1"'
        in viewer_client.get(_url(release)).content.decode()
    )


def test_it_lists_tracks_and_market_times(viewer_client, release):
    content = viewer_client.get(_url(release)).content.decode()
    assert "USS1Z9900001" in content
    assert "Pacific/Auckland" in content and "America/New_York" in content


def test_it_includes_the_audience_panel(viewer_client, release):
    assert "Audience" in viewer_client.get(_url(release)).content.decode()


def test_viewers_see_no_edit_buttons(viewer_client, release):
    content = viewer_client.get(_url(release)).content.decode()
    assert "/publish/" not in content
    assert "/edit/" not in content


def test_editors_see_publish(editor_client, release):
    content = editor_client.get(_url(release)).content.decode()
    assert f"/releases/{release.pk}/publish/" in content


def test_it_links_to_the_fans_pages_of_the_release(viewer_client, release):
    ws = release.artist.workspace.slug
    content = viewer_client.get(f"/w/{ws}/releases/{release.pk}/").content.decode()
    assert f'href="/w/{ws}/fans/presaves/?release={release.pk}"' in content
    assert f'href="/w/{ws}/fans/reconnect/?release={release.pk}"' in content
