"""Pre-saves in bulk: the rows and their events as the one-fan service writes them, in one
transaction; a pre-save that exists already is kept as it is."""

from __future__ import annotations

import pytest

from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.fans.models import Fan, PreSave
from fanloop.fans.presaves import Attribution, record_presave, record_presaves_in_bulk
from fanloop.platforms.registry import UnknownPlatform

from .conftest import connect


def test_it_records_each_presave_and_its_event(spotify_app, release):
    fans = [connect(spotify_app, f"fan{n}", email=f"fan{n}@example.org")[0] for n in range(3)]
    created = record_presaves_in_bulk(
        release, "spotify", [(fan, Attribution(utm_source="tiktok", country="de")) for fan in fans]
    )
    assert len(created) == 3
    stored = PreSave.objects.filter(release=release).order_by("pk")
    assert [p.fan_id for p in stored] == [f.pk for f in fans]
    assert {(p.utm_source, p.country) for p in stored} == {("tiktok", "DE")}
    events = FanEvent.objects.filter(kind=FanEventKind.PRESAVED).order_by("pk")
    assert [(e.fan_id, e.key, e.actor, e.release_id) for e in events] == [
        (p.fan_id, f"presave:{p.pk}", Actor.FAN, release.pk) for p in stored
    ]


def test_it_keeps_an_existing_presave_and_skips_a_repeat(spotify_app, release):
    first, _ = connect(spotify_app, email="first@example.org")
    second, _ = connect(spotify_app, "fan2", email="second@example.org")
    record_presave(first, release, "spotify", attribution=Attribution(utm_source="instagram"))
    created = record_presaves_in_bulk(
        release, "spotify", [(first, Attribution(utm_source="tiktok")), (second, Attribution()),
                             (second, Attribution(utm_source="tiktok"))],
    )  # fmt: skip
    assert [p.fan_id for p in created] == [second.pk]
    assert PreSave.objects.get(fan=first).utm_source == "instagram"
    assert PreSave.objects.get(fan=second).utm_source == ""
    assert FanEvent.objects.filter(kind=FanEventKind.PRESAVED).count() == 2


def test_it_refuses_an_unknown_platform_and_another_workspace(spotify_app, release, outsider):
    fan, _ = connect(spotify_app)
    other_fan = Fan.objects.create(workspace=outsider.memberships.get().workspace)
    with pytest.raises(UnknownPlatform):
        record_presaves_in_bulk(release, "myspace", [(fan, Attribution())])
    with pytest.raises(ValueError, match="another workspace"):
        record_presaves_in_bulk(
            release, "spotify", [(fan, Attribution()), (other_fan, Attribution())]
        )
    assert not PreSave.objects.exists()
