"""The demo's crowd tells the progression's story: most fans only pre-save, some save
tracks of the release in their app, some remove it; the emulator takes their acts."""

from __future__ import annotations

from collections import Counter

import pytest

from emulator.testing import AdminClient
from fanloop.ops.demo_audience import crowd, crowd_acts, crowd_persona, seed_platforms
from fanloop.ops.seed import seed_demo
from fanloop.platforms.tests.conftest import admin, emulator_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_crowd_has_pre_savers_track_savers_and_removers() -> None:
    shares = Counter(crowd_persona(i) for i in range(200))
    assert shares == {"presave": 170, "tracks": 20, "remover": 10}


def test_the_crowds_acts_are_accepted_by_the_emulator(
    admin: AdminClient,  # noqa: F811
    emulator_url: str,  # noqa: F811
) -> None:
    data = seed_demo()
    seed_platforms(emulator_url, "http://127.0.0.1:8000", data)
    admin.users(
        [{"platform": fan.platform, "id": fan.user_id, "country": "US"} for fan in crowd(40)]
    )
    admin.clock(set="2099-01-01T00:00:00Z")  # after the release-day release
    acts = crowd_acts(data, 40)
    assert Counter(a["act"] for a in acts) == {"save": 4, "remove": 2}
    answered = admin.acts(acts)
    assert all(a["key"] for a in answered)
    remover = next(a for a in acts if a["act"] == "remove")
    assert admin.library(remover["platform"], remover["user_id"])["saved"] == []
