"""Scheduling: one platform state per platform with fans, one wave per market at its own
midnight (local mode), email-only pre-savers on the pseudo platform, waves added when a
pre-save arrives in a new market, and the UPC precheck days before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.catalog.models import ReleaseMode
from fanloop.fans.models import Fan, PreSave
from fanloop.fulfillment import services
from fanloop.fulfillment.models import MarketWave, PrecheckStatus, ReleasePlatform, WaveStatus

from .engine_helpers import Scenario, add_fans, scenario


def local_release(admin: AdminClient, workspace: Workspace) -> Scenario:
    found = scenario(admin, workspace, fans=0, publish=False)
    release = found.release
    release.release_mode = ReleaseMode.LOCAL_MIDNIGHT
    release.release_date = timezone.now().date() + dt.timedelta(days=3)
    release.save()
    return found


def test_local_mode_gets_one_wave_per_market(
    admin: AdminClient, workspace: Workspace, db: None
) -> None:
    found = local_release(admin, workspace)
    add_fans(admin, found, 2, country="DE")
    add_fans(admin, found, 1, country="US", prefix="us")
    fan = Fan.objects.create(workspace=workspace, email="mail@example.org")
    PreSave.objects.create(release=found.release, fan=fan, platform="email")
    found.release.published = True
    services.schedule_release(found.release)
    waves = {
        (w.state.platform, w.market): w.instant for w in MarketWave.objects.select_related("state")
    }
    assert set(waves) == {("spotify", "DE"), ("spotify", "US"), ("email", "")}
    assert waves[("spotify", "DE")] == found.release.instant_for_market("DE")
    assert waves[("spotify", "US")] - waves[("spotify", "DE")] == dt.timedelta(hours=6)
    # Idempotent.
    services.schedule_release(found.release)
    assert MarketWave.objects.count() == 3


def test_markets_left_without_fans_are_cancelled(
    admin: AdminClient, workspace: Workspace, db: None
) -> None:
    found = local_release(admin, workspace)
    add_fans(admin, found, 1, country="DE")
    (us_fan,) = add_fans(admin, found, 1, country="US", prefix="us")
    found.release.published = True
    services.schedule_release(found.release)
    PreSave.objects.filter(fan=us_fan).delete()
    services.schedule_release(found.release)
    us = MarketWave.objects.get(market="US")
    assert us.status == WaveStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_publishing_and_a_presave_in_a_new_market_schedule(
    admin: AdminClient, workspace: Workspace, engine_settings: object
) -> None:
    from fanloop.catalog.services import publish_release
    from fanloop.fans.presaves import Attribution, record_presave

    found = local_release(admin, workspace)
    add_fans(admin, found, 1, country="DE")
    publish_release(found.release)  # its hook schedules after the commit
    assert list(MarketWave.objects.values_list("market", flat=True)) == ["DE"]
    (fr,) = add_fans(admin, found, 1, country="FR", prefix="fr", presave=False)
    record_presave(fr, found.release, "spotify", attribution=Attribution(country="FR"))
    assert set(MarketWave.objects.values_list("market", flat=True)) == {"DE", "FR"}


@pytest.mark.django_db(transaction=True)
def test_a_bare_save_schedules_nothing(
    admin: AdminClient, workspace: Workspace, engine_settings: object
) -> None:
    """Only the named services schedule: a row written around them (the admin, a bulk
    load) runs no business write; the worker's tick schedules such a release later."""
    found = local_release(admin, workspace)
    add_fans(admin, found, 1, country="DE")
    found.release.published = True
    found.release.save()
    assert not MarketWave.objects.exists()
    services.schedule_release(found.release)
    (fr,) = add_fans(admin, found, 1, country="FR", prefix="fr", presave=False)
    PreSave.objects.create(release=found.release, fan=fr, platform="spotify", country="FR")
    assert list(MarketWave.objects.values_list("market", flat=True)) == ["DE"]


def test_precheck_warns_when_a_platform_does_not_list_the_upc(
    admin: AdminClient, workspace: Workspace, engine_settings: object, db: None
) -> None:
    found = scenario(admin, workspace, fans=1, live_in_s=-60)  # visible on the emulator now
    services.schedule_release(found.release)
    services.precheck_release(found.release)
    state = ReleasePlatform.objects.get(platform="spotify")
    assert state.precheck_status == PrecheckStatus.FOUND
    found.release.upc = "0000000000017"
    services.precheck_release(found.release)
    state.refresh_from_db()
    assert state.precheck_status == PrecheckStatus.MISSING
    assert "check the UPC or your distributor" in state.precheck_message
    assert state.prechecked_at is not None


def test_precheck_before_release_calls_an_unlisted_upc_normal(
    admin: AdminClient, workspace: Workspace, engine_settings: object, db: None
) -> None:
    found = scenario(admin, workspace, fans=1, live_in_s=3600)
    services.schedule_release(found.release)
    found.release.upc = "0000000000017"
    services.precheck_release(found.release)
    state = ReleasePlatform.objects.get(platform="spotify")
    assert state.precheck_status == PrecheckStatus.MISSING
    assert (
        state.precheck_message
        == "Spotify does not list UPC 0000000000017 yet (normal until release)."
    )


def test_deliveries_follow_a_merged_fan_and_show_in_the_export(
    admin: AdminClient, workspace: Workspace, db: None
) -> None:
    from fanloop.fans.identity import merge_fans
    from fanloop.fans.rights import export_fan
    from fanloop.fulfillment.models import Delivery

    found = scenario(admin, workspace, fans=2, live_in_s=3600)
    first, second = found.fans
    Delivery.objects.create(
        release=found.release, fan=second, platform="spotify", state="delivered"
    )
    merged = merge_fans(into=first, other=second)
    assert list(Delivery.objects.values_list("fan_id", flat=True)) == [merged.pk]
    exported = export_fan(merged)["deliveries"]
    assert [(d["release"], d["state"]) for d in exported] == [("Loop LP", "delivered")]
