"""Opens and clicks of sent emails (tracked links and the open pixel)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans.models import Fan
from fanloop.messaging.models import (
    OutboundMessage,
)

__all__ = [
    "record_click",
    "record_open",
]


def _record_opened(fan: Fan, message: OutboundMessage, *, via: str) -> None:
    """The fan's one "opened" event for ``message`` (a click counts as an open too)."""
    record_fan_event(
        fan,
        FanEventKind.EMAIL_OPENED,
        key=f"email:{message.pk}:opened",
        actor=Actor.FAN,
        release=message.release,
        data={"message": message.pk, "via": via},
    )


def record_click(message_pk: int, url: str) -> None:
    """A fan followed a tracked link: the message was opened and clicked (once each)."""
    message = OutboundMessage.objects.filter(pk=message_pk).select_related("fan").first()
    if message is None or message.fan is None:
        return
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=now)
    OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
    data = {"message": message.pk, "url": url[:500]}
    record_fan_event(
        message.fan,
        FanEventKind.EMAIL_CLICKED,
        key=f"email:{message.pk}:clicked",
        actor=Actor.FAN,
        release=message.release,
        data=data,
    )
    _record_opened(message.fan, message, via="click")


def record_open(message_pk: int) -> None:
    """The open-tracking pixel was loaded (only counted while ``EMAIL_OPEN_TRACKING`` is on)."""
    if not settings.EMAIL_OPEN_TRACKING:
        return
    message = OutboundMessage.objects.filter(pk=message_pk).select_related("fan").first()
    if message is None or message.fan is None:
        return
    OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )
    _record_opened(message.fan, message, via="pixel")
