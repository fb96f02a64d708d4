"""What a fanloop process pays to stop: a worker on a SQLite system database does not wait
out a second of DBOS's notification poller (``DBOS.destroy`` joins it after its sleep), and
no process walks its start-up objects again at exit (they are frozen, ``fanloop.lib.heap``)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from fanloop import cli
from fanloop.ops import worker


def test_the_worker_launches_dbos_with_a_short_notification_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dbos

    configs: list[dict[str, Any]] = []

    class Recorder:
        def __init__(self, config: dict[str, Any]) -> None:
            configs.append(config)

        @staticmethod
        def launch() -> None:
            pass

    worker.register_workflows()  # imported before DBOS is replaced below
    monkeypatch.setattr(dbos, "DBOS", Recorder)
    monkeypatch.setattr(worker, "register_workflows", lambda: None)
    monkeypatch.setattr(worker, "start_schedules", lambda: None)
    with override_settings(DBOS_SYSTEM_DATABASE_URL=f"sqlite:///{tmp_path / 'dbos.sqlite3'}"):
        worker.launch_dbos("stop-test")
    [config] = configs
    assert config["executor_id"] == "stop-test"
    assert config["notification_listener_polling_interval_sec"] == worker.NOTIFICATION_POLL_SECONDS
    assert worker.NOTIFICATION_POLL_SECONDS <= 0.1


def test_a_fanloop_command_freezes_what_it_loaded_at_start_up() -> None:
    gc.unfreeze()
    try:
        cli._django_setup()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # this test process collects as before
