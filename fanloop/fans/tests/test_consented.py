"""``Fan.consented``: the one consent rule's "any sender" answer kept on the fan's row, for
segments. Every change to a fan's consent log rewrites it in the same transaction: a new
decision, a confirmed address, two fans merged, an artist deleted; a fan read before the
change and saved after it does not write the old value back; the migration that added
the column fills it from the log."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist, delete_artist
from fanloop.fans import consent_log, consents, identity, links, optin
from fanloop.fans.models import Consent, ConsentKind, Fan


def _fan(workspace: Workspace, name: str) -> Fan:
    return Fan.objects.create(workspace=workspace, email=f"{name}@fans.example")


def _kept(fan: Fan) -> str:
    return Fan.objects.values_list("consented", flat=True).get(pk=fan.pk)


def _by_rule(fan: Fan) -> str:
    kinds = consents.scope_decisions().filter(fan=fan, **{consents.ACTIVE_FIELD: True})
    return consents.encoded(set(kinds.values_list("kind", flat=True)))


def test_a_decision_rewrites_it_and_the_fan_in_hand(workspace):
    fan = _fan(workspace, "jo")
    assert _kept(fan) == ""

    consent_log.record_consent(fan, "follow", True, page="/p")
    consent_log.record_consent(fan, "email", True, page="/p", confirmed=True)
    assert _kept(fan) == fan.consented == " email follow "

    consent_log.record_consent(fan, "follow", False, page="/me/")
    assert _kept(fan) == fan.consented == " email "


def test_a_grant_for_one_artist_counts_until_a_later_workspace_wide_no(workspace):
    north = create_artist(workspace, name="North")
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "verify", True, page="/p", artist=north)
    assert _kept(fan) == " verify "
    consent_log.record_consent(fan, "verify", False, page="/me/")
    assert _kept(fan) == ""


def test_a_pending_email_counts_once_confirmed(workspace):
    fan = _fan(workspace, "jo")
    consent_log.record_consent(fan, "email", True, page="/p")
    assert _kept(fan) == ""

    optin.confirm_email(links.confirm_token(fan.pk, fan.email))

    assert _kept(fan) == " email " == _by_rule(fan)


def test_a_fan_read_before_a_decision_does_not_write_the_old_value_back(workspace):
    fan = _fan(workspace, "jo")
    stale = Fan.objects.get(pk=fan.pk)
    consent_log.record_consent(fan, "email", True, page="/p", confirmed=True)

    stale.display_name = "Jo"
    stale.save()

    assert _kept(fan) == " email "
    assert Fan.objects.get(pk=fan.pk).display_name == "Jo"


def test_merging_two_fans_keeps_the_merged_logs_answer(workspace):
    into, other = _fan(workspace, "a"), _fan(workspace, "b")
    consent_log.record_consent(into, "follow", True, page="/p")
    consent_log.record_consent(other, "email", True, page="/p", confirmed=True)
    consent_log.record_consent(other, "follow", False, page="/p")  # later: it decides

    identity.merge_fans(into=into, other=other)

    assert _kept(into) == " email " == _by_rule(into)


def test_deleting_an_artist_drops_what_only_its_rows_granted(workspace):
    north, south = create_artist(workspace, name="North"), create_artist(workspace, name="South")
    fan, other = _fan(workspace, "jo"), _fan(workspace, "al")
    consent_log.record_consent(fan, "follow", True, page="/p", artist=north)
    consent_log.record_consent(fan, "email", True, page="/p", confirmed=True, artist=south)
    consent_log.record_consent(other, "follow", True, page="/p", artist=north)
    consent_log.record_consent(other, "follow", True, page="/p", artist=south)

    delete_artist(north)

    assert _kept(fan) == " email " == _by_rule(fan)
    assert _kept(other) == " follow " == _by_rule(other)


def test_the_migration_fills_it_from_the_log(workspace):
    north = create_artist(workspace, name="North")
    fans = [_fan(workspace, f"f{n}") for n in range(5)]
    for n, fan in enumerate(fans):
        consent_log.record_consent(fan, "email", True, page="/p", confirmed=n % 2 == 0)
        if n % 3 == 0:
            consent_log.record_consent(fan, "follow", True, page="/p", artist=north)
    expected = {fan.pk: _kept(fan) for fan in fans}
    assert set(expected.values()) == {"", " email ", " email follow ", " follow "}
    Fan.objects.update(consented="")

    consents.fill_consented(Consent, Fan, chunk=2)

    assert {fan.pk: _kept(fan) for fan in fans} == expected


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_computes_it_from_the_log_it_finds(workspace):
    latest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    before = [("fans", "0005_consent_latest_index")]
    old = _migrate(before).loader.project_state(before).apps
    OldFan, OldConsent = old.get_model("fans", "Fan"), old.get_model("fans", "Consent")
    north = create_artist(workspace, name="North")
    jo, al, sam = (OldFan.objects.create(workspace_id=workspace.pk, email=f"{n}@fans.example")
                   for n in ("jo", "al", "sam"))  # fmt: skip
    for fan, kind, granted, artist, confirmed in [
        (jo, "email", True, None, True),
        (jo, "follow", True, north.pk, False),
        (al, "email", True, None, False),  # pending: not active
        (al, "verify", True, None, False),
        (sam, "follow", True, north.pk, False),
        (sam, "follow", False, None, False),  # later and workspace-wide: it decides
    ]:
        OldConsent.objects.create(fan_id=fan.pk, kind=kind, granted=granted, artist_id=artist,
                                  confirmed_at=timezone.now() if confirmed else None,
                                  wording_version="v", wording="w")  # fmt: skip

    _migrate(latest)

    kept = dict(Fan.objects.values_list("pk", "consented"))
    assert kept == {jo.pk: " email follow ", al.pk: " verify ", sam.pk: ""}
    Fan.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_for_one_fan_leave_the_rules_answer(workspace):
    # SQLite's in-memory test database locks whole tables across threads ("database table
    # is locked", no busy wait): real concurrency is only meaningful on PostgreSQL.
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (DATABASE_URL)")
    artists = [create_artist(workspace, name=f"A{n}") for n in range(6)]
    fan = _fan(workspace, "jo")
    for artist in artists:
        consent_log.record_consent(fan, "follow", True, page="/p", artist=artist)
    barrier = threading.Barrier(len(artists))
    errors: list[Exception] = []

    def revoke(artist):
        try:
            barrier.wait()
            consent_log.record_consent(Fan.objects.get(pk=fan.pk), "follow", False, page="/me/",
                                       artist=artist)  # fmt: skip
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=revoke, args=(artist,)) for artist in artists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Consent.objects.filter(fan=fan, granted=False).count() == len(artists)
    assert _kept(fan) == _by_rule(fan) == ""


def test_every_kind_has_a_place_in_the_column():
    everything = consents.encoded({kind.value for kind in ConsentKind})
    assert len(everything) <= (Fan._meta.get_field("consented").max_length or 0)
