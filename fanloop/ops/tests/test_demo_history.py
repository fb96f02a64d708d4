"""The demo artist's history: three earlier releases and "First Light" with visits,
pre-saves, fan events and audience exports, folded into facts; written once."""

from __future__ import annotations

import pytest

from fanloop.analytics.models import Event, FanEvent
from fanloop.catalog.models import Release
from fanloop.fans.models import PreSave
from fanloop.insights import leverage
from fanloop.insights.models import AudiencePoint, ReleaseFacts
from fanloop.ops import demo_history
from fanloop.ops.seed import seed_demo

pytestmark = pytest.mark.django_db


def test_it_seeds_the_history_once_and_every_insight_has_numbers() -> None:
    data = seed_demo()
    created = demo_history.seed_history(data.artist, data.released)
    new_fans = sum(n for *_, n in demo_history.HISTORY) + demo_history.FIRST_LIGHT_NEW_FANS
    assert created == new_fans
    history = [
        *Release.objects.filter(artist=data.artist, slug__in=[h[0] for h in demo_history.HISTORY]),
        data.released,
    ]
    assert len(history) == 4
    for release in history:
        presaves = PreSave.objects.filter(release=release).count()
        assert presaves >= 130
        assert ReleaseFacts.objects.filter(release=release, presaved_at__isnull=False).count() == (
            presaves
        )
        visits = Event.objects.filter(release=release, kind="page_view").count()
        assert visits == presaves + demo_history.VISITORS_ONLY
    rows = {row.key: row for row in leverage.artist_table(data.artist).rows}
    assert all(row.long_term.n > 0 for row in rows.values())
    assert rows["followed"].role == "Builds leverage"
    assert AudiencePoint.objects.filter(artist=data.artist).count() == 2 * 400 * 3

    events = FanEvent.objects.count()
    assert demo_history.seed_history(data.artist, data.released) == 0
    assert FanEvent.objects.count() == events
