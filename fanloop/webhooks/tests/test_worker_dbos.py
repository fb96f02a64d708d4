"""Event webhooks on a launched DBOS, as ``fanloop worker`` runs them: the scheduled tick
reads the fan event log and enqueues one ``webhooks.deliver`` workflow per attempt on the
``webhooks`` queue, under an id naming the delivery and the attempt (a tick seeing the
same due attempt again starts nothing new); a failed attempt is retried by a later tick."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from dbos import DBOS
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.models import Fan
from fanloop.fans.presaves import record_presave
from fanloop.ops.worker import start_schedules
from fanloop.webhooks import intake, services, workflows
from fanloop.webhooks.models import DeliveryStatus, WebhookDelivery

from .conftest import Receiver


def in_thread(call: Callable[[], Any]) -> Any:
    """Run a sync DBOS call off this thread (a Playwright test earlier in the session
    leaves an event loop running in the main thread, where DBOS refuses sync calls)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def webhooks_worker(dbos_runtime: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflows, "QUEUE_POLL_SECONDS", 0.2)
    monkeypatch.setattr(workflows, "TICK_SECONDS", 1)
    # The first retry comes a second later, so the test sees it without a clock of its own.
    monkeypatch.setattr(services, "RETRY_BASE_SECONDS", 1)
    monkeypatch.setattr(intake, "EVENT_SETTLE_SECONDS", 0)
    in_thread(lambda: start_schedules(["fanloop.webhooks.workflows"]))


def test_the_worker_delivers_and_retries_through_dbos(
    webhooks_worker: None, subscribe: Any, receiver: Receiver, workspace: Workspace
) -> None:
    created = subscribe("fan.presaved")
    receiver.script = [500]
    artist = create_artist(workspace, name="The Lanterns")
    release = create_release(
        artist, {"title": "First Light", "release_date": timezone.localdate()}, []
    )
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org")
    record_presave(fan, release, "email")

    wait_for(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2
    first, second = receiver.calls
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    assert receiver.verify(created.secret, second)["data"]["fan"]["id"] == fan.pk
    ids = {w.workflow_id for w in in_thread(lambda: DBOS.list_workflows(name="webhooks.deliver"))}
    assert ids == {f"webhook-{delivery.pk}-1", f"webhook-{delivery.pk}-2"}


def test_a_call_whose_outcome_was_not_recorded_is_made_again_with_the_same_id(
    webhooks_worker: None,
    subscribe: Any,
    receiver: Receiver,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The step fails after the call (as a database error, or a worker stopped there,
    would leave it): DBOS runs the step again, and the receiver gets the call twice."""
    created = subscribe("release.live")
    record = services._record
    failures = [RuntimeError("the database went away after the call")]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return record(*args, **kwargs)

    monkeypatch.setattr(services, "_record", flaky)
    services.record_event(workspace.pk, "release.live", key="k", data={}, at=timezone.now())

    wait_for(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1  # one recorded attempt...
    first, second = receiver.calls  # ...and two calls, the same delivery
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    assert receiver.verify(created.secret, second)["type"] == "release.live"
