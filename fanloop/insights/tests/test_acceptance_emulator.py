"""Acceptance, with the platform half played by the emulator over HTTP: the simulated
audience of ``test_acceptance`` pre-saves with tokens the emulator issued, gets the release
on release day through the real delivery, keeps or removes it in their app (read back by
the library checks), follows and saves through the one-click services and clicks a real
email (``emulated_audience``). The leverage table recovers every planted rate inside its
95 % interval, the funnel counts equal the simulation's own exactly, and the emulator
counted the saves the simulation planned.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.fulfillment import deliver
from fanloop.fulfillment import services as fulfillment
from fanloop.insights import rollup
from fanloop.platforms.tests.conftest import admin, emulator_url, platform_settings  # noqa: F401

from .emulated_audience import simulate_through_emulator
from .test_acceptance import check_funnel, check_leverage

# 1,200 fans, cohorts of about 100 to 450 (the 20,000 of ``test_acceptance`` pin the
# rates closer; this audience shows the producers and the emulator give the same answer).
# FANLOOP_ACCEPTANCE_FANS scales it (20000 for the full audience of test_acceptance: minutes).
SIZE = int(os.environ.get("FANLOOP_ACCEPTANCE_FANS", "1200"))
NEW_FANS = [SIZE * 7 // 12, SIZE // 4, SIZE - SIZE * 7 // 12 - SIZE // 4]
VISITORS_ONLY = SIZE // 12
SEED = 4


def test_leverage_and_funnel_of_an_audience_on_the_emulator(
    workspace: Workspace,
    admin: AdminClient,  # noqa: F811
    platform_settings: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches run here, in the test's transaction: threads of their own would open other
    # database connections, which cannot see this test's uncommitted rows.
    monkeypatch.setattr(deliver, "BATCH_THREADS", 1)
    monkeypatch.setattr(fulfillment, "BATCH_SIZE", 100)
    simulated = simulate_through_emulator(
        workspace, admin, platform_settings, NEW_FANS, VISITORS_ONLY, SEED
    )
    rollup.catch_up(settle_seconds=0)
    check_leverage(simulated)
    for index in range(len(NEW_FANS)):
        check_funnel(simulated, index)
    # Counted outside fanloop: every save and follow the plan called for reached the
    # emulator once; the only items saved twice are the albums the one-click fans removed
    # and saved again, and the artist for fans followed on more than one release.
    assert simulated.outside.save_ops == simulated.planned_save_ops
    assert simulated.outside.duplicate_saves == simulated.planned_duplicates
