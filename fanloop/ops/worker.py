"""The ``fanloop worker`` process: launches DBOS and beats a heartbeat for /healthz."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Sequence
from datetime import timedelta
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from fanloop.ops.models import WorkerHeartbeat
from fanloop.ops.supervisor import watch_parent

log = logging.getLogger("fanloop.worker")

# How often each worker records a heartbeat (seconds); /healthz fails when none is fresher
# than 3 beats. With DEAD_AFTER_BEATS, lowered from 15 s x 4 beats (CHANGELOG): a worker
# that died for good is taken over after 15 to 20 s instead of 60 to 75 s.
HEARTBEAT_SECONDS = 5
# A worker whose heartbeat is this many beats old is dead and another recovers its
# workflows. More than one beat: a busy worker may be a beat late (see HEARTBEAT_SECONDS).
DEAD_AFTER_BEATS = 3
# How often DBOS's notification poller wakes on a SQLite system database (DBOS's default is
# 1 s; PostgreSQL listens instead). ``DBOS.destroy`` waits out the poller's sleep, so a worker
# on SQLite took up to a second longer to stop. fanloop sends no DBOS notifications: polling
# more often costs an empty loop.
NOTIFICATION_POLL_SECONDS = 0.1


def default_executor_id() -> str:
    return settings.WORKER_EXECUTOR_ID or f"{socket.gethostname()}-{os.getpid()}"


def beat(executor_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        executor_id=executor_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "last_seen": timezone.now(),
        },
    )


# The one place DBOS registrations come from. Importing these modules registers their
# workflows and steps (DBOS needs every workflow registered before launch, in every process
# that runs or recovers them); once DBOS has launched, ``start_schedules`` registers the
# queues each declares (``queues()``) and applies its schedules (``schedules()``).
WORKFLOW_MODULES = (
    "fanloop.fulfillment.workflows",
    "fanloop.flows.engine",
    "fanloop.flows.verification",
    "fanloop.webhooks.workflows",
    "fanloop.insights.workflows",
)


def register_workflows() -> None:
    for module in WORKFLOW_MODULES:
        importlib.import_module(module)


def start_schedules(modules: Sequence[str] = WORKFLOW_MODULES) -> None:
    """Register the modules' queues and apply their schedules, in this thread.

    Call after ``DBOS.launch()`` from a thread without a running event loop (DBOS's sync
    calls refuse one); ``fanloop worker``'s main thread has none. Idempotent.
    """
    from dbos import DBOS, ScheduleInput

    schedules: list[ScheduleInput] = []
    for name in modules:
        module = importlib.import_module(name)
        for queue in getattr(module, "queues", list)():
            DBOS.register_queue(**queue, on_conflict="always_update")
        schedules.extend(module.schedules())
    DBOS.apply_schedules(schedules)


def launch_dbos(executor_id: str) -> None:
    from dbos import DBOS

    register_workflows()

    DBOS(
        config={
            "name": "fanloop",
            "system_database_url": settings.DBOS_SYSTEM_DATABASE_URL,
            "executor_id": executor_id,
            "log_level": "WARNING",
            "notification_listener_polling_interval_sec": NOTIFICATION_POLL_SECONDS,
        }
    )
    DBOS.launch()
    start_schedules()


def recover_dead_workers(executor_id: str) -> list[str]:
    """Recover the pending workflows of workers whose heartbeat went stale.

    A worker is dead after ``DEAD_AFTER_BEATS`` missed beats. Exactly one live worker
    takes each dead one over: it deletes the dead worker's heartbeat row, guarded by the
    ``last_seen`` it read, and only the one whose delete matched asks DBOS to recover that
    executor's workflows (DBOS re-enqueues them; any worker then runs each one once). A dead
    worker that comes back simply beats again.
    """
    from dbos import DBOS

    cutoff = timezone.now() - timedelta(seconds=HEARTBEAT_SECONDS * max(2, DEAD_AFTER_BEATS))
    recovered: list[str] = []
    stale = WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).exclude(executor_id=executor_id)
    for dead in stale:
        taken, _ = WorkerHeartbeat.objects.filter(pk=dead.pk, last_seen=dead.last_seen).delete()
        if not taken:
            continue  # another worker took it over
        handles = DBOS._recover_pending_workflows([dead.executor_id])
        log.warning(
            "worker %s recovered %d workflows of dead worker %s",
            executor_id,
            len(handles),
            dead.executor_id,
        )
        recovered.append(dead.executor_id)
    return recovered


def warm_up() -> None:
    """Load the URL configuration before any work starts. The first link a worker builds
    (an email's, a webhook's) would otherwise import every view module and the API's
    schemas in the middle of a batch: about a second of one core, measured with py-spy in
    bench/flows.py, paid by the first message of each worker process."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - populated on first access


def run_worker(executor_id: str | None = None) -> None:
    executor_id = executor_id or default_executor_id()
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    watch_parent(stop)  # a supervisor's child stops with it
    warm_up()
    launch_dbos(executor_id)
    from fanloop.accounts import outbox
    from fanloop.lib.heap import freeze_start_up

    freeze_start_up()  # the views, workflows and DBOS loaded since Django's set-up

    # Sign-up and password reset emails, queued by requests that answered without waiting.
    threading.Thread(target=outbox.run, args=(stop,), name="account-emails", daemon=True).start()
    log.info("worker %s started", executor_id)
    print(f"fanloop: worker {executor_id} started", flush=True)
    while not stop.is_set():
        try:
            beat(executor_id)
            recover_dead_workers(executor_id)
        except Exception:
            log.exception("heartbeat failed")
        finally:
            close_old_connections()
        stop.wait(HEARTBEAT_SECONDS)
    from dbos import DBOS

    DBOS.destroy()
    print(f"fanloop: worker {executor_id} stopped", flush=True)
