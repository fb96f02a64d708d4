"""The delivery panel on the release page (detection, UPC warning, override form, link to
the progress page) and the per-fan delivery status on the fan view."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.fulfillment.models import DetectionStatus, PrecheckStatus

from .ui_fixtures import (  # noqa: F401 - fixtures
    UPC,
    artist_fixture,
    deliveries,
    make_fans,
    presave,
    release_fixture,
    state,
)


def _release_page(client: Client, release: Release) -> str:
    url = reverse(
        "catalog:release_detail", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def test_the_release_page_has_an_empty_state_without_pre_savers(viewer_client, release):
    page = _release_page(viewer_client, release)
    assert "Release-day delivery" in page
    assert "No pre-savers yet" in page


def _out_since_two_days(release: Release) -> None:
    Release.objects.filter(pk=release.pk).update(
        release_date=timezone.localdate() - dt.timedelta(days=2)
    )
    release.refresh_from_db()


def test_the_release_page_warns_when_the_upc_is_not_found(viewer_client, release, workspace):
    _out_since_two_days(release)
    presave(release, make_fans(workspace, 2), "spotify")
    state(
        release,
        "spotify",
        precheck_status=PrecheckStatus.MISSING,
        precheck_message="Spotify search for upc:036000291452 found nothing.",
        prechecked_at=timezone.now(),
    )
    page = _release_page(viewer_client, release)
    warning = f"Not found on Spotify by UPC <code>{UPC}</code> — check the UPC or your distributor."
    assert warning in page
    assert "Spotify search for upc:036000291452 found nothing." in page
    assert "2 pre-saves" in page


def test_the_release_page_shows_a_failed_lookup_differently(viewer_client, release, workspace):
    _out_since_two_days(release)
    presave(release, make_fans(workspace, 1), "deezer")
    state(release, "deezer", precheck_status=PrecheckStatus.ERROR, precheck_message="HTTP 503")
    page = _release_page(viewer_client, release)
    assert "Could not check Deezer by UPC" in page and "HTTP 503" in page


def test_before_release_an_unlisted_upc_is_normal_and_no_warning(viewer_client, release, workspace):
    """Platforms list a release by UPC only once it is out: days before release a correct
    UPC is not found, and the page says so without the warning colour."""
    presave(release, make_fans(workspace, 1), "spotify")
    presave(release, make_fans(workspace, 1, prefix="d"), "deezer")
    state(release, "spotify", precheck_status=PrecheckStatus.MISSING, prechecked_at=timezone.now())
    state(release, "deezer", precheck_status=PrecheckStatus.ERROR, precheck_message="HTTP 503")
    page = _release_page(viewer_client, release)
    assert "Not listed on Spotify yet (normal until release" in page
    assert "Could not check Deezer by UPC yet (normal until release" in page
    assert 'class="warning"' not in page
    assert "check the UPC or your distributor" not in page


def test_editors_get_the_override_form_viewers_do_not(editor_client, viewer_client, release,
                                                       workspace):  # fmt: skip
    presave(release, make_fans(workspace, 1), "spotify")
    state(release, "spotify", DetectionStatus.NOT_FOUND)
    action = reverse(
        "fulfillment:album_override",
        kwargs={"ws": release.artist.workspace.slug, "pk": release.pk, "platform": "spotify"},
    )
    assert f'action="{action}"' in _release_page(editor_client, release)
    assert "Paste the Spotify album link" in _release_page(editor_client, release)
    assert f'action="{action}"' not in _release_page(viewer_client, release)


def test_the_release_page_links_the_live_album_and_the_progress_page(viewer_client, release):
    state(release, "spotify", DetectionStatus.LIVE, album_id="a" * 22, source="lookup",
          url="https://open.spotify.com/album/" + "a" * 22, detected_at=timezone.now())  # fmt: skip
    deliveries(release, {"delivered": 3, "failed": 1})
    page = _release_page(viewer_client, release)
    assert "https://open.spotify.com/album/" + "a" * 22 in page
    assert "3 of 4 delivered, 1 failed." in page
    progress = reverse(
        "fulfillment:progress", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )
    assert f'href="{progress}"' in page


def _fan_page(client: Client, fan: Fan) -> str:
    url = reverse("fans:fan_detail", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def test_the_fan_view_has_an_empty_state(viewer_client, workspace):
    fan = make_fans(workspace, 1)[0]
    assert "Nothing delivered yet" in _fan_page(viewer_client, fan)


def test_the_fan_view_shows_each_delivery_with_its_reason(viewer_client, release):
    delivery = deliveries(
        release, {"needs_reconnect": 1}, platform="deezer", reason="Token revoked"
    )[0]
    page = _fan_page(viewer_client, delivery.fan)
    assert "Release-day deliveries" in page
    assert "Midnight Signal" in page and "Deezer" in page
    assert "Needs reconnect" in page and "Token revoked" in page


def test_the_release_page_shows_detection_as_it_goes(viewer_client, release, workspace):
    from fanloop.fulfillment.models import WaveStatus

    from .ui_fixtures import wave

    presave(release, make_fans(workspace, 1), "spotify")
    spotify = state(release, "spotify")
    due = wave(spotify, "", WaveStatus.DETECTING, polls=4, last_poll_message="No album yet.")
    page = _release_page(viewer_client, release)
    assert "Looking for the release" in page and "4 lookups so far" in page
    assert "No album yet." in page
    due.status = WaveStatus.NOT_FOUND
    due.save()
    page = _release_page(viewer_client, release)
    assert "Not found in the Spotify catalog: No album yet." in page
    assert "Paste the album link to start delivery." in page
