"""Ingestion of public-page hits: a pipeline of small named steps, plausible-style.

Each step may enrich the hit or drop it with a reason; kept hits become event
rows and dropped ones only bump a per-day counter (writes: ``buffer.py``). This
runs on every page view, so it is kept cheap: plain strings, no model instances.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from fanloop.analytics import buffer
from fanloop.analytics.models import UTM_MAX_LENGTH, DropReason, EventKind
from fanloop.analytics.services import EventRow, salt_for
from fanloop.analytics.useragents import device_class, is_bot
from fanloop.catalog.models import Release
from fanloop.lib.markets import MARKET_TIME_ZONES
from fanloop.lib.visitor import client_ip

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


@dataclass(slots=True)
class Hit:
    """What a step sees: the raw request facts, and the fields filled so far."""

    kind: str
    release_id: int
    artist_id: int
    workspace_id: int
    platform: str
    user_agent: str
    ip: str
    own_host: str
    referrer: str
    query: str
    country: str
    purpose: str
    member: bool
    at: dt.datetime
    fields: dict[str, str] = field(default_factory=dict)


Step = Callable[[Hit], str | None]


def request_country(request: HttpRequest) -> str:
    """The visitor's ISO country from the trusted proxy's header, or "" when unknown."""
    raw = request.META.get(settings.COUNTRY_HEADER, "")
    code = raw.strip().upper() if isinstance(raw, str) else ""
    # Only real ISO codes: Cloudflare sends "XX" (unknown) and "T1" (Tor).
    return code if code in MARKET_TIME_ZONES else ""


def hit_from_request(
    request: HttpRequest,
    kind: str,
    release: Release,
    platform: str = "",
    member: bool = False,
    country: str | None = None,
    at: dt.datetime | None = None,
) -> Hit:
    meta = request.META
    host = str(meta.get("HTTP_HOST") or meta.get("SERVER_NAME", ""))
    purpose = meta.get("HTTP_SEC_PURPOSE") or meta.get("HTTP_PURPOSE") or ""
    return Hit(
        kind=kind,
        release_id=release.pk,
        artist_id=release.artist_id,
        workspace_id=release.artist.workspace_id,
        platform=platform,
        user_agent=str(meta.get("HTTP_USER_AGENT", "")),
        ip=client_ip(request),
        own_host=host.rsplit(":", 1)[0].lower(),
        referrer=str(meta.get("HTTP_REFERER", "")),
        query=str(meta.get("QUERY_STRING", "")),
        country=request_country(request) if country is None else country,
        purpose=str(purpose).lower(),
        member=member,
        at=at or timezone.now(),
    )


# --- steps: each returns a drop reason, or None to keep the hit -------------


def drop_members(hit: Hit) -> str | None:
    # Artists checking their own page are not fans.
    return DropReason.MEMBER if hit.member else None


def drop_prefetch(hit: Hit) -> str | None:
    # Speculative loads (Purpose / Sec-Purpose: prefetch) may never be seen.
    return DropReason.PREFETCH if "prefetch" in hit.purpose else None


def drop_bots(hit: Hit) -> str | None:
    if not hit.user_agent.strip():
        return DropReason.NO_USER_AGENT
    return DropReason.BOT if is_bot(hit.user_agent) else None


def take_referrer_host(hit: Hit) -> str | None:
    try:
        parts = urlsplit(hit.referrer) if hit.referrer else None
    except ValueError:  # a malformed header is the same as none
        parts = None
    host = ((parts.hostname if parts else None) or "").removeprefix("www.")[:253]
    if host and host in (hit.own_host.removeprefix("www."), _site_host()):
        # Moving between our own pages is not a referral, but a listen click
        # keeps the UTM parameters of the page it was made on.
        host = ""
        if parts and not hit.query:
            hit.query = parts.query
    hit.fields["referrer_host"] = host
    return None


_NO_UTM = dict.fromkeys(UTM_FIELDS, "")


def take_utm(hit: Hit) -> str | None:
    if "utm_" not in hit.query:
        hit.fields.update(_NO_UTM)
        return None
    values = dict(_NO_UTM)
    for name, value in parse_qsl(hit.query):
        if name in values and not values[name]:
            clean = "".join(ch for ch in value if ch.isprintable()).strip()
            values[name] = clean[:UTM_MAX_LENGTH]
    hit.fields.update(values)
    return None


def take_device(hit: Hit) -> str | None:
    hit.fields["device_class"] = device_class(hit.user_agent)
    return None


def take_visitor_id(hit: Hit) -> str | None:
    # The workspace stands for "the site": one fan gets unrelated ids in two workspaces.
    salt = salt_for(hit.at.astimezone(dt.UTC).date())
    material = f"{salt}|{hit.workspace_id}|{hit.ip}|{hit.user_agent}".encode()
    hit.fields["visitor_id"] = hashlib.sha256(material).hexdigest()[:16]
    return None


PIPELINE: list[tuple[str, Step]] = [
    ("drop_members", drop_members),
    ("drop_prefetch", drop_prefetch),
    ("drop_bots", drop_bots),
    ("take_referrer_host", take_referrer_host),
    ("take_utm", take_utm),
    ("take_device", take_device),
    ("take_visitor_id", take_visitor_id),
]


def _site_host() -> str:
    return (urlsplit(settings.SITE_URL).hostname or "").removeprefix("www.")


def process(hit: Hit) -> EventRow | str:
    """Run the pipeline: an event row to keep, or the reason the hit was dropped."""
    for _name, step in PIPELINE:
        reason = step(hit)
        if reason is not None:
            return reason
    f = hit.fields
    return EventRow(
        kind=hit.kind,
        workspace_id=hit.workspace_id,
        artist_id=hit.artist_id,
        release_id=hit.release_id,
        platform=hit.platform,
        visitor_id=f["visitor_id"],
        utm_source=f["utm_source"],
        utm_medium=f["utm_medium"],
        utm_campaign=f["utm_campaign"],
        utm_term=f["utm_term"],
        utm_content=f["utm_content"],
        referrer_host=f["referrer_host"],
        device_class=f["device_class"],
        country=hit.country,
        created=hit.at,
    )


def record(hit: Hit) -> None:
    outcome = process(hit)
    if isinstance(outcome, EventRow):
        buffer.events.add_event(outcome)
    else:
        buffer.events.add_drop(hit.at.astimezone(dt.UTC).date(), hit.release_id, outcome)


def record_page_view(
    request: HttpRequest,
    release: Release,
    member: bool = False,
    country: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Log a view of ``release``'s public page (``member``: seen by one of its workspace)."""
    hit = hit_from_request(request, EventKind.PAGE_VIEW, release, "", member, country, at)
    record(hit)


def record_artist_page_view(
    request: HttpRequest, featured: Release, member: bool = False, country: str | None = None
) -> None:
    """Log a view of the artist page (/<artist>) against the release it features first."""
    record(hit_from_request(request, EventKind.ARTIST_PAGE_VIEW, featured, "", member, country))


def visitor_id_for(request: HttpRequest, release: Release) -> str:
    """The visitor id today's page events of this request's visitor carry (a daily-salted
    hash, no cookie): a pre-save keeps it so the funnel joins the visit to the pre-save."""
    hit = hit_from_request(request, EventKind.PAGE_VIEW, release, country="")
    take_visitor_id(hit)
    return hit.fields["visitor_id"]


def record_click(
    request: HttpRequest, release: Release, platform: str, member: bool = False
) -> None:
    """Log a click on ``release``'s link to ``platform``."""
    record(hit_from_request(request, EventKind.CLICK, release, platform=platform, member=member))
