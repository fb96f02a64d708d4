"""Shared links unfurl well: Open Graph and Twitter card tags, canonical address."""

from __future__ import annotations

from django.test import Client, override_settings

from fanloop.catalog.models import Release


@override_settings(SITE_URL="https://fans.example.org")
def test_it_has_open_graph_tags_with_an_absolute_image(release: Release) -> None:
    release.artwork.name = "artwork/cover.jpg"
    release.description = "A song about trains."
    release.save()
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    url = "https://fans.example.org/nova-lights/midnight-signal"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Midnight Signal — Nova Lights">' in html
    assert '<meta property="og:description" content="A song about trains.">' in html
    assert (
        '<meta property="og:image" content="https://fans.example.org/media/artwork/cover.jpg">'
    ) in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="twitter:image" content="https://fans.example.org/media/' in html
    assert '<meta property="og:type" content="music.song">' in html


def test_it_falls_back_to_a_summary_card_without_artwork(release: Release) -> None:
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert "og:image" not in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert "Pre-save “Midnight Signal” by Nova Lights." in html


def test_it_uses_the_artist_picture_when_the_release_has_no_artwork(release: Release) -> None:
    release.artist.image.name = "artists/nova.jpg"
    release.artist.save()
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert (
        '<meta property="og:image" content="http://127.0.0.1:8000/media/artists/nova.jpg">' in html
    )


def test_it_shortens_a_long_description(release: Release) -> None:
    release.description = "word " * 300
    release.save()
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    meta = html.split('<meta name="description" content="')[1].split('"')[0]
    assert len(meta) <= 200
    assert meta.endswith("…")
