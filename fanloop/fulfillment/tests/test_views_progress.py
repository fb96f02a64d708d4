"""The progress page and the fragment it polls: numbers per platform and market, polling
only while something moves, retry for editors, the failed fans (paginated) with reasons."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.fulfillment.models import Delivery, DeliveryState, DetectionStatus, WaveStatus

from .ui_fixtures import (  # noqa: F401 - fixtures
    artist_fixture,
    deliveries,
    make_fans,
    presave,
    release_fixture,
    state,
    wave,
)


def _url(release: Release, name: str = "progress") -> str:
    return reverse(
        f"fulfillment:{name}", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


def test_it_shows_an_empty_state_without_pre_savers(viewer_client, release):
    response = viewer_client.get(_url(release))
    assert response.status_code == 200
    assert "No pre-savers yet" in response.text
    assert "hx-get" not in response.text


def test_it_shows_the_numbers_per_platform_and_market(viewer_client, release):
    spotify = state(release, "spotify", DetectionStatus.LIVE, album_id="a" * 22)
    de = wave(spotify, "DE", WaveStatus.DELIVERING)
    half_a_minute_ago = timezone.now() - dt.timedelta(seconds=30)
    deliveries(
        release,
        {"delivered": 7, "pending": 3, "failed": 2},
        market="DE",
        on_wave=de,
        delivered_at=half_a_minute_ago,
    )
    deliveries(release, {"needs_reconnect": 1}, market="DE", on_wave=de, reason="token revoked")
    page = viewer_client.get(_url(release)).text
    assert '<b id="count-delivered">7</b>' in page
    assert '<b id="count-pending">3</b>' in page
    assert '<b id="count-failed">2</b>' in page
    assert '<b id="count-reconnect">1</b>' in page
    assert '<b id="rate">14</b>' in page  # 7 in the 30 s the run has been going
    assert 'data-platform="spotify" data-market="DE"' in page
    assert 'role="progressbar"' in page and 'aria-valuenow="76"' in page  # 10 of 13
    assert "Delivering" in page


def test_the_fragment_polls_while_deliveries_are_pending(viewer_client, release):
    deliveries(release, {"pending": 2, "delivered": 1})
    response = viewer_client.get(_url(release, "progress_fragment"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "<html" not in response.text  # only the numbers
    assert f'hx-get="{_url(release, "progress_fragment")}"' in response.text
    assert 'hx-trigger="every 2s"' in response.text


def test_the_fragment_stops_polling_when_everything_is_done(viewer_client, release):
    spotify = state(release, "spotify", DetectionStatus.LIVE)
    done = wave(spotify, "", WaveStatus.DONE)
    deliveries(release, {"delivered": 3}, on_wave=done)
    response = viewer_client.get(_url(release, "progress_fragment"))
    assert "hx-get" not in response.text
    assert "Delivery finished." in response.text


def test_it_offers_retry_to_editors_only(editor_client, viewer_client, release):
    deliveries(release, {"failed": 3})
    assert "Retry failed (3)" in editor_client.get(_url(release)).text
    page = viewer_client.get(_url(release)).text
    assert "Retry failed" not in page
    assert "Editors and owners can retry" in page


def test_retry_queues_the_failed_deliveries_again(editor_client, release):
    deliveries(release, {"failed": 3}, reason="HTTP 500")
    response = editor_client.post(_url(release, "retry"), follow=True)
    assert response.redirect_chain[-1][0] == _url(release)
    assert "3 failed deliveries queued again." in response.text
    assert Delivery.objects.filter(state=DeliveryState.PENDING).count() == 3


def test_retry_says_when_there_is_nothing_to_retry(editor_client, release):
    response = editor_client.post(_url(release, "retry"), follow=True)
    assert "No failed deliveries to retry." in response.text


def test_retry_of_one_platform(editor_client, release):
    deliveries(release, {"failed": 1}, platform="deezer")
    deliveries(release, {"failed": 1}, platform="spotify")
    editor_client.post(_url(release, "retry"), {"platform": "deezer"})
    assert Delivery.objects.get(platform="deezer").state == DeliveryState.PENDING
    assert Delivery.objects.get(platform="spotify").state == DeliveryState.FAILED
    response = editor_client.post(_url(release, "retry"), {"platform": "napster"}, follow=True)
    assert "Unknown platform" in response.text
    assert Delivery.objects.get(platform="spotify").state == DeliveryState.FAILED


def test_it_lists_the_fans_it_failed_for_with_reasons_and_links(viewer_client, release):
    failed = deliveries(release, {"failed": 1}, reason="Spotify answered 502")
    deliveries(release, {"needs_reconnect": 1}, reason="Access revoked by the fan")
    deliveries(release, {"delivered": 1})
    page = viewer_client.get(_url(release)).text
    assert "Spotify answered 502" in page and "Access revoked by the fan" in page
    fan_url = reverse("fans:fan_detail", kwargs={"ws": release.artist.workspace.slug,
                                                 "pk": failed[0].fan_id})  # fmt: skip
    assert fan_url in page
    assert reverse("fans:expiring", kwargs={"ws": release.artist.workspace.slug}) in page
    only_failed = viewer_client.get(_url(release) + "?state=failed").text
    assert "Spotify answered 502" in only_failed
    assert "Access revoked by the fan" not in only_failed


def test_it_paginates_the_failed_fans(viewer_client, release):
    deliveries(release, {"failed": 30}, reason="boom")
    first = viewer_client.get(_url(release)).text
    assert first.count("<td>boom</td>") == 25
    assert "Page 1 of 2" in first
    second = viewer_client.get(_url(release) + "?page=2").text
    assert second.count("<td>boom</td>") == 5


def test_it_shows_what_waits_before_release_day(viewer_client, release, workspace):
    presave(release, make_fans(workspace, 4), "spotify")
    spotify = state(release, "spotify")
    wave(spotify, "", WaveStatus.SCHEDULED, instant=timezone.now() + dt.timedelta(days=3))
    page = viewer_client.get(_url(release)).text
    assert "4 pre-saves waiting for release day" in page
    assert "fanloop starts looking for it at" in page
    assert "hx-get" not in page  # days away: nothing to poll for


def test_it_loads_htmx_from_this_site(viewer_client, release):
    page = viewer_client.get(_url(release)).text
    assert '<script src="/static/fanloop/htmx.min.js" defer></script>' in page


def test_it_shows_fans_maybe_saved_twice_and_the_calls_spent_on_repeats(viewer_client, release):
    rows = deliveries(release, {"delivered": 5})
    Delivery.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(in_doubt=True, repeat_calls=1)
    Delivery.objects.filter(pk=rows[2].pk).update(repeat_calls=1)  # read back: not in doubt
    page = viewer_client.get(_url(release)).text
    assert '<b id="count-doubt">2</b> fans may have been saved twice' in page
    assert '<b id="repeat-calls">3</b> platform calls of the budget went to such repeats' in page


def test_it_says_nothing_about_repeats_when_there_were_none(viewer_client, release):
    deliveries(release, {"delivered": 3})
    assert 'id="count-doubt"' not in viewer_client.get(_url(release)).text
