"""Who a fan is: one fan per workspace and person, their platform connections, merging the
same person seen twice, and the checks every fan write shares (addresses, clipped values)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from fanloop.analytics.models import FanEvent
from fanloop.fans import consents, fan_data
from fanloop.fans.models import (
    ConnectionStatus,
    Consent,
    Fan,
    PlatformConnection,
    PreSave,
)
from fanloop.lib.db import atomic_insert_race

if TYPE_CHECKING:
    from fanloop.accounts.models import Workspace
    from fanloop.platforms.base import Profile, Tokens
    from fanloop.platforms.models import PlatformApp


EMAIL_MAX_LENGTH = 254


def clip(value: str | None, length: int) -> str:
    # Values from URLs, headers and platforms: cut to the column, never fail a pre-save.
    text = "".join(ch for ch in (value or "") if ch.isprintable())
    return text.strip()[:length]


def country_code(value: str | None) -> str:
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


def same_workspace(fan: Fan, workspace_id: int, what: str) -> None:
    if fan.workspace_id != workspace_id:
        raise ValueError(f"{what} belongs to another workspace than the fan")


@dataclass(frozen=True)
class Connected:
    """What storing an authorization did (read from the writes, never from primary keys)."""

    fan: Fan
    connection: PlatformConnection
    # No fan of the workspace was this person before: this one was created here.
    fan_created: bool
    # The fan had no connection to this platform yet.
    connection_created: bool
    # The fan is the one this platform user had connected as before (not merged away).
    known_by_platform_user: bool


def upsert_fan_for_connection(
    workspace: Workspace,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    *,
    email: str | None = None,
    fan: Fan | None = None,
) -> Connected:
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
        same_workspace(fan, workspace.pk, "the given fan")
    address = _platform_email(email or profile.email)
    # A concurrent callback for the same person may store it first: the second pass finds
    # that row and updates it instead of creating a duplicate.
    return atomic_insert_race(
        lambda: _upsert_connection(workspace, app, profile, tokens, address, fan)
    )


def _upsert_connection(
    workspace: Workspace,
    app: PlatformApp,
    profile: Profile,
    tokens: Tokens,
    address: str,
    given: Fan | None,
) -> Connected:
    platform = app.platform
    target: Fan | None = None
    if profile.user_id:
        known = (
            PlatformConnection.objects.select_related("fan")
            .filter(fan__workspace=workspace, platform=platform, platform_user_id=profile.user_id)
            .first()
        )
        target = known.fan if known else None
    by_platform_user = target
    if target is None and given is not None:
        target = Fan.objects.filter(pk=given.pk).first()
    if address:
        holder = Fan.objects.filter(workspace=workspace, email=address).first()
        if target is None:
            target = holder
        elif holder is not None and holder.pk != target.pk:
            target = merge_fans(into=holder, other=target)
    fan_created = target is None
    if target is None:
        target = Fan.objects.create(
            workspace=workspace,
            email=address,
            display_name=clip(profile.display_name, 200),
            country=country_code(profile.country),
        )
    else:
        _fill_blanks(target, address, profile)
    connection = PlatformConnection.objects.filter(fan=target, platform=platform).first()
    connection_created = connection is None
    if connection is None:
        connection = PlatformConnection(fan=target, platform=platform)
    connection.app = app
    connection.platform_user_id = profile.user_id or None
    connection.display_name = clip(profile.display_name, 200)
    connection.country = country_code(profile.country)
    connection.scopes = " ".join(sorted(tokens.scopes))
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token or ""
    connection.token_expires_at = tokens.expires_at
    connection.authorized_at = timezone.now()
    connection.status = ConnectionStatus.ACTIVE
    connection.status_reason = ""
    connection.save()
    return Connected(
        fan=target,
        connection=connection,
        fan_created=fan_created,
        connection_created=connection_created,
        known_by_platform_user=by_platform_user is not None and by_platform_user.pk == target.pk,
    )


def _fill_blanks(fan: Fan, address: str, profile: Profile) -> None:
    changed: list[str] = []
    if address and not fan.email:
        fan.email = address
        changed.append("email")
    if not fan.display_name and profile.display_name:
        fan.display_name = clip(profile.display_name, 200)
        changed.append("display_name")
    if not fan.country and country_code(profile.country):
        fan.country = country_code(profile.country)
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
        consents.lock_fans([into.pk])
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
        into.consented = consents.refresh_consented([into.pk])[into.pk]
        FanEvent.objects.filter(fan=other).update(fan=into)
        for part in fan_data.parts():
            if part.merge is not None:
                part.merge(into, other)
        email, confirmed = other.email, other.email_confirmed_at
        for name in ("display_name", "country"):
            if not getattr(into, name):
                setattr(into, name, getattr(other, name))
        other.delete()
        if email and not into.email:
            into.email, into.email_confirmed_at = email, confirmed
        into.save()
    return into


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


def connections_of(fans: Iterable[Fan]) -> dict[int, list[PlatformConnection]]:
    """Connections of several fans at once (lists and exports), keyed by fan id."""
    found: dict[int, list[PlatformConnection]] = {}
    ids = [fan.pk for fan in fans]
    for connection in PlatformConnection.objects.filter(fan_id__in=ids).order_by("platform"):
        found.setdefault(connection.fan_id, []).append(connection)
    return found
