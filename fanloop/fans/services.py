"""Writes for fans: connections, pre-saves, consents, email opt-ins, disconnect and deletion.

Views, the capture flow, commands and tests all call these. Each write runs in one
transaction, so bad input raises before anything is stored and nothing is half-written.
Token lifecycle functions live in ``tokens.py`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEvent, FanEventKind
from fanloop.fans import consents, emails, links
from fanloop.fans.links import InvalidLink
from fanloop.fans.models import (
    ConnectionStatus,
    Consent,
    ConsentKind,
    Fan,
    PlatformConnection,
    PreSave,
)
from fanloop.fans.tokens import (
    expiring_connections,
    fresh_tokens,
    mark_needs_reconnect,
    reconnect_needed_connections,
    tokens_of,
)
from fanloop.platforms.registry import PLATFORMS, UnknownPlatform

if TYPE_CHECKING:
    from fanloop.accounts.models import Workspace
    from fanloop.analytics.models import Event
    from fanloop.catalog.models import Artist, Release
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.models import PlatformApp

__all__ = [
    "Attribution",
    "InvalidLink",
    "confirm_email",
    "consent_is_active",
    "consent_states",
    "current_consents",
    "delete_fan",
    "disconnect",
    "expiring_connections",
    "export_fan",
    "fan_for_portal",
    "fresh_tokens",
    "mark_needs_reconnect",
    "merge_fans",
    "normalize_email",
    "portal_url",
    "reconnect_needed_connections",
    "record_consent",
    "record_presave",
    "revoke_consent",
    "send_portal_link",
    "subscribe_email",
    "tokens_of",
    "upsert_fan_for_connection",
]

log = logging.getLogger(__name__)

EMAIL_MAX_LENGTH = 254
PRESAVE_PLATFORMS = frozenset({*PLATFORMS, PreSave.EMAIL_ONLY})


# --- small helpers ---------------------------------------------------------------


def _clip(value: str | None, length: int) -> str:
    # Values from URLs, headers and platforms: cut to the column, never fail a pre-save.
    text = "".join(ch for ch in (value or "") if ch.isprintable())
    return text.strip()[:length]


def _country(value: str | None) -> str:
    code = (value or "").strip().upper()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else ""


def normalize_email(email: str) -> str:
    """The stored form of an address typed by a fan; ValidationError keyed ``email``."""
    address = (email or "").strip().lower()
    if not address:
        raise ValidationError({"email": "Enter your email address."})
    if len(address) > EMAIL_MAX_LENGTH:
        raise ValidationError({"email": "This email address is too long."})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    return address


def _platform_email(email: str | None) -> str:
    """An address a platform gave us: kept when valid, silently dropped otherwise."""
    try:
        return normalize_email(email or "")
    except ValidationError:
        return ""


def _same_workspace(fan: Fan, workspace_id: int, what: str) -> None:
    if fan.workspace_id != workspace_id:
        raise ValueError(f"{what} belongs to another workspace than the fan")


# --- attribution -----------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    """Where a pre-save came from, carried over from the event log of the visit."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""
    landing_page: str = ""
    country: str = ""

    @classmethod
    def from_event(cls, event: Event, landing_page: str = "") -> Attribution:
        return cls(
            utm_source=event.utm_source,
            utm_medium=event.utm_medium,
            utm_campaign=event.utm_campaign,
            referrer_host=event.referrer_host,
            landing_page=landing_page,
            country=event.country,
        )

    def cleaned(self) -> dict[str, str]:
        """Column-ready values: printable, cut to each column's length."""
        values: dict[str, str] = {}
        for item in fields(self):
            if item.name == "country":
                values["country"] = _country(self.country)
            else:
                column = PreSave._meta.get_field(item.name)
                length = getattr(column, "max_length", None) or 100
                values[item.name] = _clip(getattr(self, item.name), length)
        return values


# --- fans and connections ----------------------------------------------------------


def upsert_fan_for_connection(
    workspace: Workspace,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    *,
    email: str | None = None,
    fan: Fan | None = None,
) -> tuple[Fan, PlatformConnection]:
    """Store a new authorization: one fan per workspace and person, one connection per platform.

    The fan is found by, in order: an existing connection of this platform user in the
    workspace; ``fan`` (the fan this browser already proved to be, e.g. for Apple Music,
    which has no user id); the email the platform gave; else a new fan. When the platform's
    email belongs to another fan, the two are merged. A new authorization resets the
    token status and ``authorized_at`` (Spotify refresh tokens live 6 months from it).
    """
    if app.workspace_id != workspace.pk:
        raise ValueError("the platform app belongs to another workspace")
    if fan is not None:
        _same_workspace(fan, workspace.pk, "the given fan")
    address = _platform_email(email or profile.email)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _upsert_connection(workspace, app, profile, tokens, address, fan)
        except IntegrityError:
            # A concurrent callback for the same person stored it first: the second pass
            # finds that row and updates it instead of creating a duplicate.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _upsert_connection(
    workspace: Workspace,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    address: str,
    given: Fan | None,
) -> tuple[Fan, PlatformConnection]:
    platform = app.platform
    target: Fan | None = None
    if profile.user_id:
        known = (
            PlatformConnection.objects.select_related("fan")
            .filter(fan__workspace=workspace, platform=platform, platform_user_id=profile.user_id)
            .first()
        )
        target = known.fan if known else None
    if target is None and given is not None:
        target = Fan.objects.filter(pk=given.pk).first()
    if address:
        holder = Fan.objects.filter(workspace=workspace, email=address).first()
        if target is None:
            target = holder
        elif holder is not None and holder.pk != target.pk:
            target = merge_fans(into=holder, other=target)
    if target is None:
        target = Fan.objects.create(
            workspace=workspace,
            email=address,
            display_name=_clip(profile.display_name, 200),
            country=_country(profile.country),
        )
    else:
        _fill_blanks(target, address, profile)
    connection = PlatformConnection.objects.filter(fan=target, platform=platform).first()
    if connection is None:
        connection = PlatformConnection(fan=target, platform=platform)
    connection.app = app
    connection.platform_user_id = profile.user_id or None
    connection.display_name = _clip(profile.display_name, 200)
    connection.country = _country(profile.country)
    connection.scopes = " ".join(sorted(tokens.scopes))
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token or ""
    connection.token_expires_at = tokens.expires_at
    connection.authorized_at = timezone.now()
    connection.status = ConnectionStatus.ACTIVE
    connection.status_reason = ""
    connection.save()
    return target, connection


def _fill_blanks(fan: Fan, address: str, profile: Profile) -> None:
    changed: list[str] = []
    if address and not fan.email:
        fan.email = address
        changed.append("email")
    if not fan.display_name and profile.display_name:
        fan.display_name = _clip(profile.display_name, 200)
        changed.append("display_name")
    if not fan.country and _country(profile.country):
        fan.country = _country(profile.country)
        changed.append("country")
    if changed:
        fan.save(update_fields=[*changed, "updated"])


def merge_fans(*, into: Fan, other: Fan) -> Fan:
    """Fold ``other`` into ``into`` (the same person seen twice) and delete ``other``.

    Consents move as they are (the log keeps its history). For a platform or a pre-save
    both have, the more recent authorization / the older pre-save wins; the loser's
    tokens are deleted with it. ``other``'s portal links stop working.
    """
    if into.pk == other.pk:
        return into
    if into.workspace_id != other.workspace_id:
        raise ValueError("fans of different workspaces cannot be merged")
    with transaction.atomic():
        mine = {c.platform: c for c in PlatformConnection.objects.filter(fan=into)}
        for connection in PlatformConnection.objects.filter(fan=other):
            current = mine.get(connection.platform)
            if current is None:
                connection.fan = into
                connection.save(update_fields=["fan", "updated"])
            elif connection.authorized_at > current.authorized_at:
                PreSave.objects.filter(connection=current).update(connection=connection)
                current.delete()
                connection.fan = into
                connection.save(update_fields=["fan", "updated"])
            else:
                PreSave.objects.filter(connection=connection).update(connection=current)
                connection.delete()
        kept = set(PreSave.objects.filter(fan=into).values_list("release_id", "platform"))
        for presave in PreSave.objects.filter(fan=other):
            if (presave.release_id, presave.platform) in kept:
                presave.delete()
            else:
                PreSave.objects.filter(pk=presave.pk).update(fan=into)
        Consent.objects.filter(fan=other).update(fan=into)
        FanEvent.objects.filter(fan=other).update(fan=into)
        _merge_deliveries(into, other)
        from fanloop.flows.services import move_fan_rows

        move_fan_rows(into=into, other=other)
        email, confirmed = other.email, other.email_confirmed_at
        for name in ("display_name", "country"):
            if not getattr(into, name):
                setattr(into, name, getattr(other, name))
        other.delete()
        if email and not into.email:
            into.email, into.email_confirmed_at = email, confirmed
        into.save()
    return into


def _merge_deliveries(into: Fan, other: Fan) -> None:
    """Release-day deliveries follow the fan; where both have one, ``into``'s stays."""
    from fanloop.fulfillment.models import Delivery

    taken = set(Delivery.objects.filter(fan=into).values_list("release_id", "platform"))
    for pk, release_id, platform in Delivery.objects.filter(fan=other).values_list(
        "pk", "release_id", "platform"
    ):
        if (release_id, platform) not in taken:
            Delivery.objects.filter(pk=pk).update(fan=into)


def disconnect(connection: PlatformConnection) -> None:
    """Forget a platform connection and its tokens.

    Spotify, Apple Music and Deezer document no endpoint to revoke a user's grant, so there
    is nothing to call: the tokens are deleted here and the fan is pointed to the
    platform's own "apps" settings to remove fanloop there too. Pre-saves stay (without a
    connection they are simply not fulfilled).
    """
    with transaction.atomic():
        PreSave.objects.filter(connection=connection).update(connection=None)
        connection.delete()


# --- pre-saves ---------------------------------------------------------------------


def record_presave(
    fan: Fan,
    release: Release,
    platform: str,
    *,
    connection: PlatformConnection | None = None,
    attribution: Attribution | None = None,
) -> tuple[PreSave, bool]:
    """One pre-save per (release, fan, platform); ``created`` is False for a re-pre-save.

    A re-pre-save updates the connection (and fills attribution it lacked) but keeps the
    first visit's attribution: the pre-save belongs to the source that won it.
    Safe under concurrent submissions: the loser of the insert race re-reads and updates.
    """
    if platform not in PRESAVE_PLATFORMS:
        raise UnknownPlatform(platform)
    _same_workspace(fan, release.artist.workspace_id, "the release")
    if connection is not None and (connection.fan_id != fan.pk or connection.platform != platform):
        raise ValueError("the connection is not this fan's connection to this platform")
    values = (attribution or Attribution()).cleaned()
    for attempt in range(2):
        existing = PreSave.objects.filter(release=release, fan=fan, platform=platform).first()
        if existing is not None:
            _update_presave(existing, connection, values)
            return existing, False
        try:
            with transaction.atomic():
                presave = PreSave.objects.create(
                    release=release, fan=fan, platform=platform, connection=connection, **values
                )
                record_fan_event(
                    fan,
                    FanEventKind.PRESAVED,
                    key=f"presave:{presave.pk}",
                    actor=Actor.FAN,
                    release=release,
                    platform=platform,
                )
            return presave, True
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _update_presave(
    presave: PreSave, connection: PlatformConnection | None, values: dict[str, str]
) -> None:
    changed = ["updated"]
    if connection is not None and presave.connection_id != connection.pk:
        presave.connection = connection
        changed.append("connection")
    for name, value in values.items():
        if value and not getattr(presave, name):
            setattr(presave, name, value)
            changed.append(name)
    presave.save(update_fields=changed)


# --- consents ------------------------------------------------------------------------


def _kind(kind: str) -> ConsentKind:
    try:
        return ConsentKind(kind)
    except ValueError:
        raise ValueError(f"unknown consent kind: {kind!r}") from None


def _sender_name(fan: Fan, artist: Artist | None) -> str:
    return artist.name if artist is not None else fan.workspace.name


def record_consent(
    fan: Fan,
    kind: str,
    granted: bool,
    *,
    page: str,
    artist: Artist | None = None,
    confirmed: bool = False,
) -> Consent:
    """Append one decision to the consent log with the exact wording shown, its version,
    the page and the time. An email grant stays pending until confirmed (double opt-in)."""
    consent_kind = _kind(kind)
    if artist is not None:
        _same_workspace(fan, artist.workspace_id, "the artist")
    version, text = consents.render(consent_kind, _sender_name(fan, artist))
    now = timezone.now()
    consent = Consent.objects.create(
        fan=fan,
        kind=consent_kind,
        granted=granted,
        artist=artist,
        wording_version=version,
        wording=text,
        page=_clip(page, 300),
        confirmed_at=now if (granted and confirmed and consent_kind == ConsentKind.EMAIL) else None,
        created=now,
    )
    if granted and consent_kind == ConsentKind.FOREVER_SAVE:
        record_fan_event(
            fan,
            FanEventKind.FOREVER_SAVE_OPTIN,
            key=f"consent:{consent.pk}",
            actor=Actor.FAN,
            artist=artist,
        )
    elif consent_kind == ConsentKind.EMAIL and consent.confirmed_at is not None:
        record_fan_event(
            fan, FanEventKind.EMAIL_SUBSCRIBED, key=f"consent:{consent.pk}", actor=Actor.FAN
        )
    return consent


def consent_is_active(consent: Consent | None) -> bool:
    """Whether a decision read by ``current_consents`` is active (granted, and for email
    also confirmed); the answer comes from the one rule in ``fans/consents.py``."""
    return consents.decision_is_active(consent)


def current_consents(fan: Fan, *, artist: Artist | None = None) -> dict[str, Consent | None]:
    """The decision that counts per kind for ``artist`` (its own and workspace-wide rows;
    no artist: workspace-wide rows only), as ``fans/consents.py`` defines it."""
    return consents.current(fan, artist)


def consent_states(fan: Fan) -> list[Consent]:
    """The deciding row of each scope (workspace-wide, each artist) per kind, by the one
    rule in ``fans/consents.py``: what the fan's portal lists."""
    rows = consents.scope_decisions().filter(fan=fan).select_related("artist")
    order = [kind.value for kind in ConsentKind]
    return sorted(rows, key=lambda c: (order.index(c.kind), c.artist.name if c.artist else ""))


def revoke_consent(
    fan: Fan, kind: str, page: str, *, artist: Artist | None = None
) -> list[Consent]:
    """Withdraw ``kind`` (for one artist, or all of them): one "no" row per granted one.

    Returns the rows written; nothing is written when nothing was granted.
    """
    consent_kind = _kind(kind)
    written: list[Consent] = []
    with transaction.atomic():
        for state in consent_states(fan):
            if state.kind != consent_kind or not state.granted:
                continue
            if artist is not None and state.artist_id != artist.pk:
                continue
            written.append(record_consent(fan, consent_kind, False, page=page, artist=state.artist))
    return written


# --- email opt-in (double opt-in) ------------------------------------------------------


def subscribe_email(
    workspace: Workspace,
    email: str,
    *,
    release: Release | None,
    artist: Artist | None,
    page: str,
    attribution: Attribution | None = None,
    double_opt_in: bool | None = None,
    fan: Fan | None = None,
    notify_me: bool = True,
) -> Fan:
    """Record a fan's "email me" consent; with double opt-in, send the confirmation link.

    Without ``fan`` (the email-only "notify me" pre-save) the fan is found or created by
    address and, with ``notify_me``, an email pre-save of ``release`` is recorded. With
    ``fan`` (an opt-in on the thank-you page after connecting) the consent is recorded on
    that fan and the address is attached only once confirmed, so typing someone else's
    address never links their data to this browser. Re-submitting is safe (idempotent
    pre-save, one more consent row, one more email), so a failed send can simply be retried.
    """
    address = normalize_email(email)
    if double_opt_in is None:
        double_opt_in = settings.EMAIL_DOUBLE_OPT_IN
    if release is not None and artist is None:
        artist = release.artist
    if artist is not None and artist.workspace_id != workspace.pk:
        raise ValueError("the artist belongs to another workspace")
    if fan is not None:
        _same_workspace(fan, workspace.pk, "the given fan")
    for attempt in range(2):
        try:
            with transaction.atomic():
                target = _email_target(workspace, address, fan, double_opt_in)
                consent = record_consent(
                    target,
                    ConsentKind.EMAIL,
                    True,
                    page=page,
                    artist=artist,
                    confirmed=not double_opt_in,
                )
                if notify_me and release is not None:
                    record_presave(target, release, PreSave.EMAIL_ONLY, attribution=attribution)
            break
        except IntegrityError:
            if attempt:  # a concurrent sign-up with this address won the insert: reuse it
                raise
    if double_opt_in:
        emails.send_email_confirmation(
            address,
            workspace_id=workspace.pk,
            sender_name=_sender_name(target, artist),
            release_title=release.title if release is not None else "",
            confirm_url=links.confirm_url(target.pk, address),
            portal_url=portal_url(target),
            wording=consent.wording,
        )
    return target


def _email_target(workspace: Workspace, address: str, fan: Fan | None, double_opt_in: bool) -> Fan:
    holder = Fan.objects.filter(workspace=workspace, email=address).first()
    if fan is None:
        return holder or Fan.objects.create(workspace=workspace, email=address)
    fan = Fan.objects.get(pk=fan.pk)
    if fan.email == address or double_opt_in:
        return fan  # with double opt-in the address is attached by confirm_email
    # Single opt-in: the operator accepts unverified addresses, but never merges on one.
    if holder is not None:
        return holder
    if not fan.email:
        fan.email = address
        fan.save(update_fields=["email", "updated"])
        return fan
    return Fan.objects.create(workspace=workspace, email=address)


def confirm_email(token: str) -> Fan:
    """Follow a confirmation link: attach the address, confirm the pending email consents.

    InvalidLink when the link is tampered with, expired, or its fan was deleted. When the
    address already belongs to another fan of the workspace, the proof of the mailbox
    merges the two. Following a link twice is harmless; a consent revoked since the email
    was sent stays revoked.
    """
    fan_id, address = links.read_confirm_token(token)
    with transaction.atomic():
        fan = Fan.objects.filter(pk=fan_id).first()
        if fan is None:
            raise InvalidLink("This link belongs to data that has been deleted.")
        holder = (
            Fan.objects.filter(workspace_id=fan.workspace_id, email=address)
            .exclude(pk=fan.pk)
            .first()
        )
        if holder is not None:
            fan = merge_fans(into=holder, other=fan)
        now = timezone.now()
        if fan.email != address:
            fan.email, fan.email_confirmed_at = address, None
        fan.email_confirmed_at = fan.email_confirmed_at or now
        fan.save()
        pending = [
            c.pk
            for c in consent_states(fan)
            if c.kind == ConsentKind.EMAIL and c.granted and c.confirmed_at is None
        ]
        Consent.objects.filter(pk__in=pending).update(confirmed_at=now)
        for pk in pending:
            record_fan_event(
                fan, FanEventKind.EMAIL_SUBSCRIBED, key=f"consent:{pk}", actor=Actor.FAN
            )
    return fan


# --- self-service portal ---------------------------------------------------------------


def portal_url(fan: Fan) -> str:
    """The fan's signed "manage my data" link (valid ``links.PORTAL_LINK_DAYS`` days)."""
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
    return {
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
        "deliveries": _deliveries_export(fan),
        **_flows_export(fan),
    }


def _deliveries_export(fan: Fan) -> list[dict[str, Any]]:
    """Release-day saves made for the fan: what, where, when, and how it went."""
    from fanloop.fulfillment.services import deliveries_of

    return [
        {
            "release": d.release.title,
            "artist": d.release.artist.name,
            "platform": d.platform,
            "state": d.state,
            "reason": d.reason,
            "saved": list(d.items),
            "followed_artist": d.follow,
            "source": d.source,
            "delivered_at": _iso(d.delivered_at),
        }
        for d in deliveries_of(fan)
    ]


def _flows_export(fan: Fan) -> dict[str, Any]:
    from fanloop.flows.services import fan_export

    return fan_export(fan)


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
        if fan.email:
            from fanloop.messaging.suppressions import forget_suppressed_address

            forget_suppressed_address(fan.workspace_id, fan.email)
    return counts


def connections_of(fans: Iterable[Fan]) -> dict[int, list[PlatformConnection]]:
    """Connections of several fans at once (lists and exports), keyed by fan id."""
    found: dict[int, list[PlatformConnection]] = {}
    ids = [fan.pk for fan in fans]
    for connection in PlatformConnection.objects.filter(fan_id__in=ids).order_by("platform"):
        found.setdefault(connection.fan_id, []).append(connection)
    return found
