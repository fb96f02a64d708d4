"""A fan's rights over their data: the signed portal link, the export of everything kept, and
deletion. The parts other apps keep are reached through ``fans/fan_data.py``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fanloop.fans import emails, fan_data, links
from fanloop.fans.models import (
    Consent,
    Fan,
    PlatformConnection,
    PreSave,
)

if TYPE_CHECKING:
    pass


def portal_url(fan: Fan) -> str:
    """The fan's signed "manage my data" link (valid ``FAN_PORTAL_LINK_DAYS`` days)."""
    return links.portal_url_for(fan.pk, fan.workspace_id)


def fan_for_portal(token: str) -> Fan:
    """The fan of a portal token: InvalidLink when bad or expired, Fan.DoesNotExist when gone."""
    fan_id, workspace_id = links.read_portal_token(token)
    return Fan.objects.select_related("workspace").get(pk=fan_id, workspace_id=workspace_id)


def send_portal_link(fan: Fan) -> None:
    """Email the fan their portal link (asked for by a member on the fan's behalf)."""
    if not fan.email:
        raise ValidationError("This fan has no email address to send the link to.")
    emails.send_portal_link(
        fan.email,
        workspace_id=fan.workspace_id,
        workspace_name=fan.workspace.name,
        portal_url=portal_url(fan),
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_fan(fan: Fan) -> dict[str, Any]:
    """Everything kept about the fan, JSON-ready. Tokens are secrets, not personal data:
    they are never exported (the export says they exist, stored encrypted)."""
    connections = PlatformConnection.objects.filter(fan=fan).order_by("platform")
    presaves = (
        PreSave.objects.filter(fan=fan)
        .select_related("release", "release__artist")
        .order_by("created", "pk")
    )
    log_rows = Consent.objects.filter(fan=fan).select_related("artist").order_by("created", "pk")
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "workspace": fan.workspace.name,
        "fan": {
            "email": fan.email,
            "email_confirmed_at": _iso(fan.email_confirmed_at),
            "display_name": fan.display_name,
            "country": fan.country,
            "created": _iso(fan.created),
        },
        "connections": [
            {
                "platform": c.platform,
                "platform_user_id": c.platform_user_id,
                "display_name": c.display_name,
                "country": c.country,
                "scopes": sorted(c.scope_set),
                "status": c.status,
                "status_reason": c.status_reason,
                "authorized_at": _iso(c.authorized_at),
                "tokens": "stored encrypted; not included in this export",
            }
            for c in connections
        ],
        "consents": [
            {
                "kind": c.kind,
                "granted": c.granted,
                "artist": c.artist.name if c.artist else None,
                "wording_version": c.wording_version,
                "wording": c.wording,
                "page": c.page,
                "at": _iso(c.created),
                "confirmed_at": _iso(c.confirmed_at),
            }
            for c in log_rows
        ],
        "presaves": [
            {
                "release": p.release.title,
                "artist": p.release.artist.name,
                "platform": p.platform,
                "at": _iso(p.created),
                "updated": _iso(p.updated),
                "utm_source": p.utm_source,
                "utm_medium": p.utm_medium,
                "utm_campaign": p.utm_campaign,
                "referrer_host": p.referrer_host,
                "landing_page": p.landing_page,
                "country": p.country,
            }
            for p in presaves
        ],
    }
    for part in fan_data.parts():
        if part.export is not None:
            data.update(part.export(fan))  # deliveries, tags and flow journeys
    return data


def delete_fan(fan: Fan) -> dict[str, int]:
    """Delete the fan and everything about them: connections and tokens, consents, pre-saves.
    A suppression of the fan's address stays (so it is still refused), without the address.

    Returns how many rows of each kind went. Like ``disconnect``, no platform offers a
    revoke endpoint, so deleting the tokens is what ends fanloop's access.
    """
    with transaction.atomic():
        counts = {
            "connections": PlatformConnection.objects.filter(fan=fan).delete()[0],
            "presaves": PreSave.objects.filter(fan=fan).delete()[0],
            "consents": Consent.objects.filter(fan=fan).delete()[0],
        }
        counts["fans"] = Fan.objects.filter(pk=fan.pk).delete()[0]
        for part in fan_data.parts():
            if part.delete is not None:
                part.delete(fan)
    return counts
