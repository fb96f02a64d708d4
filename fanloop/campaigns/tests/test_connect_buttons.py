"""The release page's pre-save buttons start the connect flow of each platform, with the
same address for every visitor (the page stays cacheable)."""

from __future__ import annotations

from django.test import Client

from fanloop.catalog.models import Release


def test_it_links_each_presave_button_to_its_connect_start(release: Release) -> None:
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    # Submit buttons of one GET form that carries the release (and the ticked boxes).
    assert f'<input type="hidden" name="release" value="{release.pk}">' in html
    for platform in ("spotify", "applemusic", "deezer"):
        assert f'type="submit" formaction="/connect/{platform}/start"' in html


def test_it_sends_apple_music_to_its_musickit_page(release: Release) -> None:
    response = Client().get(
        "/connect/applemusic/start", {"release": str(release.pk), "follow": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/connect/applemusic?release={release.pk}&follow=1"
