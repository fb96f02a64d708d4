"""Provider webhooks through django-anymail: bounces, complaints, rejections and
provider-side unsubscribes become suppressions and fan events.

Anymail's views (mounted under ``/webhooks/anymail/``) check the basic-auth
``ANYMAIL_WEBHOOK_SECRET`` and normalize every provider's payload into a tracking event;
``on_tracking`` handles the ones that matter for deliverability.
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from anymail.signals import AnymailTrackingEvent
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.views.decorators.csrf import csrf_exempt

from fanloop.messaging import suppressions

log = logging.getLogger(__name__)

HANDLED = frozenset({"bounced", "rejected", "complained", "unsubscribed"})


def _message_pk(event: AnymailTrackingEvent) -> int | None:
    value = (event.metadata or {}).get("fanloop_message")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **_: Any) -> None:
    """Receiver of ``anymail.signals.tracking``."""
    if event.event_type not in HANDLED:
        return
    rows = suppressions.suppress_from_provider(
        event_type=str(event.event_type),
        recipient=event.recipient or "",
        message_pk=_message_pk(event),
        esp_message_id=str(event.message_id or ""),
        description=f"{esp_name} {event.reject_reason or ''} {event.description or ''}".strip(),
        event_id=str(event.event_id or ""),
    )
    log.info(
        "%s %s for %s: %d suppression(s)", esp_name, event.event_type, event.recipient, len(rows)
    )


def _guarded(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            raise Http404("Provider webhooks are off: set ANYMAIL_WEBHOOK_SECRET.")
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return csrf_exempt(wrapper)


def anymail_patterns() -> list[URLPattern | URLResolver]:
    """anymail's URL patterns, answering 404 while no webhook secret is configured."""
    from anymail.urls import urlpatterns

    return [
        URLPattern(p.pattern, _guarded(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in urlpatterns
    ]
