"""Events reach a real local receiver through the real services, signed per Standard
Webhooks (every call verified with the reference ``standardwebhooks`` package); failed
calls are retried with backoff; a day of failures disables the subscription and emails
its owners; replays and secret rotation."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import WebhookVerificationError

from fanloop.accounts import outbox
from fanloop.accounts.models import AccountEmail, AccountEmailKind, User, Workspace
from fanloop.catalog.models import Release
from fanloop.catalog.services import create_artist, create_release, publish_release
from fanloop.fans.identity import merge_fans
from fanloop.fans.models import Fan
from fanloop.fans.presaves import record_presave
from fanloop.fans.rights import delete_fan, export_fan
from fanloop.fulfillment import services as fulfillment
from fanloop.fulfillment.models import MarketWave, WaveStatus
from fanloop.webhooks import intake, services
from fanloop.webhooks.models import DeliveryStatus, Subscription, WebhookDelivery

from .conftest import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(workspace: Workspace) -> Release:
    artist = create_artist(workspace, name="The Lanterns")
    return create_release(
        artist,
        {"title": "First Light", "release_date": timezone.localdate() + dt.timedelta(days=3)},
        [{"title": "Dawn"}],
    )


def _presave(workspace: Workspace, release: Release, email: str = "fan@example.org") -> Fan:
    fan = Fan.objects.create(workspace=workspace, email=email)
    record_presave(fan, release, "email")
    return fan


def _read_events() -> int:
    """Read the fan event log as the worker's tick does, once the events have settled."""
    later = timezone.now() + dt.timedelta(seconds=intake.EVENT_SETTLE_SECONDS + 1)
    return intake.consume(now=later)


def test_a_presave_reaches_the_receiver_signed(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    created = subscribe("fan.presaved")
    assert created.secret.startswith("whsec_")
    fan = _presave(workspace, release)

    assert _read_events() == 1
    assert _read_events() == 0  # the cursor moved: nothing twice
    [result] = services.send_due()
    assert result.status == DeliveryStatus.SUCCEEDED

    [call] = receiver.calls
    payload = receiver.verify(created.secret, call)
    assert payload["type"] == "fan.presaved"
    assert payload["data"]["fan"] == {"id": fan.pk, "email": fan.email, "country": fan.country}
    assert payload["data"]["release"]["id"] == release.pk
    assert payload["data"]["actor"] == "fan"
    delivery = WebhookDelivery.objects.get()
    assert call.headers["webhook-id"] == delivery.msg_id
    assert delivery.response_code == 200 and delivery.attempts == 1
    assert delivery.latency_ms is not None and delivery.body_excerpt == '{"ok": true}'
    with pytest.raises(WebhookVerificationError):
        receiver.verify("whsec_" + "QUJD" * 8, call)  # another secret does not verify


def test_only_chosen_types_of_the_workspace_are_sent(
    subscribe: Any,
    receiver: Receiver,
    workspace: Workspace,
    release: Release,
    outsider: User,
) -> None:
    subscribe("fan.unsubscribed")  # not pre-saves
    _presave(workspace, release)
    other = outsider.memberships.get().workspace
    services.create_subscription(other, url=receiver.url, event_types=["fan.presaved"])
    assert _read_events() == 0
    assert services.send_due() == []
    assert receiver.calls == []


def test_events_before_the_subscription_are_not_sent(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    _presave(workspace, release)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=1)):
        subscribe("fan.presaved")
    assert _read_events() == 0


def test_a_release_going_live_and_its_delivery_finishing(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    created = subscribe("release.live", "delivery.finished")
    _presave(workspace, release)
    publish_release(release)
    fulfillment.schedule_release(release)
    wave = MarketWave.objects.get(state__release=release)
    after = wave.instant + dt.timedelta(minutes=1)
    fulfillment.advance(after)  # the wave's instant passed: the release is live there
    fulfillment.advance(after)  # announced once
    MarketWave.objects.filter(pk=wave.pk).update(status=WaveStatus.DELIVERING, started_at=after)
    fulfillment.finish_waves(after)

    with time_machine.travel(after, tick=True):
        results = services.send_due(after)
        assert [r.status for r in results] == [DeliveryStatus.SUCCEEDED] * 2
        payloads = [receiver.verify(created.secret, call) for call in receiver.calls]
    live, finished = sorted(payloads, key=lambda p: p["type"] != "release.live")
    assert live["type"] == "release.live"
    assert live["data"]["release"]["id"] == release.pk
    assert live["data"]["platform"] == wave.state.platform
    assert finished["type"] == "delivery.finished"
    assert finished["data"]["finished_at"] == after.isoformat()


def test_a_failed_call_is_retried_with_backoff_and_the_same_id(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    created = subscribe("fan.presaved")
    receiver.script = [500]
    _presave(workspace, release)
    _read_events()
    now = timezone.now()

    [first] = services.send_due(now)
    assert first.status == DeliveryStatus.RETRYING and first.detail == "HTTP 500"
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_code == 500 and delivery.body_excerpt == "receiver says no"
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - now).total_seconds()
    base = services.RETRY_BASE_SECONDS
    assert base * (1 - services.JITTER) <= wait <= base * (1 + services.JITTER)
    assert services.send_due(now + dt.timedelta(seconds=base * 0.7)) == []  # not yet due

    with time_machine.travel(delivery.next_attempt_at, tick=True):
        [second] = services.send_due(delivery.next_attempt_at)
        assert second.status == DeliveryStatus.SUCCEEDED
        receiver.verify(created.secret, receiver.calls[-1])
    first_call, second_call = receiver.calls
    assert first_call.headers["webhook-id"] == second_call.headers["webhook-id"]
    assert first_call.body == second_call.body
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == DeliveryStatus.SUCCEEDED
    assert Subscription.objects.get().failing_since is None


def test_backoff_doubles_up_to_its_cap() -> None:
    rng = random.Random(7)
    waits = [services.retry_delay(n, rng).total_seconds() for n in range(1, 15)]
    for n, wait in enumerate(waits, start=1):
        base = min(services.RETRY_MAX_SECONDS, services.RETRY_BASE_SECONDS * 2 ** (n - 1))
        assert base * (1 - services.JITTER) <= wait <= base * (1 + services.JITTER)
    assert len({round(w, 6) for w in waits}) == len(waits)  # jittered: no two alike


def test_a_delivery_failing_for_a_day_is_given_up(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    subscribe("fan.presaved")
    receiver.default = 503
    _presave(workspace, release)
    _read_events()
    now = timezone.now()
    for _ in range(40):
        delivery = WebhookDelivery.objects.get()
        if delivery.status == DeliveryStatus.FAILED:
            break
        assert delivery.next_attempt_at is not None
        now = delivery.next_attempt_at
        services.send_due(now)
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.give_up_at is not None
    assert delivery.last_attempt_at is not None
    assert delivery.last_attempt_at <= delivery.give_up_at
    assert 12 <= delivery.attempts <= 16  # about 14: 30 s doubling to 4 h, for a day
    assert len(receiver.calls) == delivery.attempts


def test_a_subscription_failing_for_a_day_is_disabled_and_owners_emailed(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release, owner: User
) -> None:
    subscribe("fan.presaved")
    receiver.default = 500
    start = timezone.now()
    for hour in range(0, 30, 2):
        now = start + dt.timedelta(hours=hour)
        with time_machine.travel(now):
            _presave(workspace, release, email=f"fan{hour}@example.org")
            intake.consume(now=now + dt.timedelta(seconds=10))
            services.send_due(now + dt.timedelta(seconds=10))
        if not Subscription.objects.get().enabled:
            break
    subscription = Subscription.objects.get()
    assert not subscription.enabled
    assert "24 hours" in subscription.disabled_reason
    assert hour >= 24
    calls = len(receiver.calls)
    services.send_due(now + dt.timedelta(days=1))
    assert len(receiver.calls) == calls  # a disabled subscription gets no call

    [row] = AccountEmail.objects.filter(kind=AccountEmailKind.WEBHOOK_DISABLED)
    assert row.to == owner.email
    mail.outbox.clear()
    assert outbox.send_due() == 1
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert receiver.url in email.body
    assert f"/w/{workspace.slug}/settings/webhooks/{subscription.pk}/" in email.body


def test_replay_sends_the_same_delivery_again(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    created = subscribe("fan.presaved")
    _presave(workspace, release)
    _read_events()
    services.send_due()
    delivery = WebhookDelivery.objects.get()
    assert services.send_due() == []
    services.replay(delivery)
    [result] = services.send_due()
    assert result.status == DeliveryStatus.SUCCEEDED
    first, second = receiver.calls
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    assert receiver.verify(created.secret, second)["type"] == "fan.presaved"
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_rotation_signs_with_both_secrets_then_only_the_new(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    old = subscribe("fan.presaved")
    new = services.rotate_secret(old.subscription)
    assert new.secret != old.secret
    _presave(workspace, release)
    _read_events()
    services.send_due()
    call = receiver.calls[-1]
    assert len(call.headers["webhook-signature"].split(" ")) == 2
    assert receiver.verify(old.secret, call) == receiver.verify(new.secret, call)

    after = timezone.now() + services.ROTATION_WINDOW + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=True):
        _presave(workspace, release, email="later@example.org")
        intake.consume(now=after + dt.timedelta(seconds=10))
        services.send_due(after + dt.timedelta(seconds=10))
    with time_machine.travel(after + dt.timedelta(seconds=10), tick=True):
        call = receiver.calls[-1]
        assert len(call.headers["webhook-signature"].split(" ")) == 1
        assert receiver.verify(new.secret, call)["data"]["fan"]["email"] == "later@example.org"
        with pytest.raises(WebhookVerificationError):
            receiver.verify(old.secret, call)


def test_the_body_is_the_json_that_was_signed(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    subscribe("fan.presaved")
    _presave(workspace, release)
    _read_events()
    services.send_due()
    [call] = receiver.calls
    assert json.loads(call.body) == WebhookDelivery.objects.get().payload
    assert call.headers["Content-Type"] == "application/json"


def test_a_fans_deliveries_follow_their_rights(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    subscribe("fan.presaved")
    other = _presave(workspace, release, email="other@example.org")
    _read_events()
    delivery = WebhookDelivery.objects.get()
    assert delivery.fan_id == other.pk
    fan = Fan.objects.create(workspace=workspace, email="kept@example.org")
    merge_fans(into=fan, other=other)
    delivery.refresh_from_db()
    assert delivery.fan_id == fan.pk
    exported = export_fan(fan)["webhook_deliveries"]
    assert [row["webhook_id"] for row in exported] == [delivery.msg_id]
    delete_fan(fan)
    assert not WebhookDelivery.objects.exists()  # the payload held the fan's address


def test_finished_deliveries_leave_the_log_after_its_days(
    subscribe: Any, receiver: Receiver, workspace: Workspace, release: Release
) -> None:
    subscribe("fan.presaved")
    _presave(workspace, release)
    _presave(workspace, release, email="second@example.org")
    _read_events()
    done, waiting = WebhookDelivery.objects.order_by("pk")
    services.attempt(done.pk, 0)
    later = timezone.now() + dt.timedelta(days=services.DELIVERY_LOG_DAYS, minutes=1)
    assert services.prune_log(later) == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [waiting.pk]
