"""Writes and quota reads for platform apps: views, commands, other apps and tests call these.

Input is validated whole before anything is written (``ValidationError`` keyed by field);
rules of use (an app fans are connected through cannot be deleted) raise ``PlatformAppError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict, Unpack

import httpx
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Q, QuerySet
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.lib.crypto import DecryptionError
from fanloop.platforms import validators
from fanloop.platforms.base import AppMode, ConnectionCheck
from fanloop.platforms.errors import PlatformError
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import (
    PLATFORMS,
    allow_list_size,
    app_setup,
    development_mode,
    get_platform,
)

PLATFORM_ORDER = list(PLATFORMS)
CHECK_MESSAGE_MAX = PlatformApp._meta.get_field("last_check_message").max_length or 300
# An app is "near" its cap when this share of its slots is taken (or one slot is left).
NEAR_CAP_SHARE = 0.8
SECRET_FIELDS = ("client_secret", "private_key")
# Fields whose change makes the last connection check meaningless.
CREDENTIAL_FIELDS = ("client_id", "client_secret", "team_id", "key_id", "private_key")


class PlatformAppError(Exception):
    """A rule of platform apps was broken; ``str(error)`` is a message for the owner."""


class AppFields(TypedDict, total=False):
    """Fields of a platform app; in updates a missing key (or an empty secret) keeps the value.

    Which credentials a platform takes is declared in its adapter module (``AppSetup``); when
    another field names the app (a key id), ``client_id`` is set to it. ``mode`` and
    ``user_cap`` apply only to platforms with a development mode: the others have no user cap.
    """

    name: str
    client_id: str
    client_secret: str
    team_id: str
    key_id: str
    private_key: str
    mode: str
    user_cap: int | None
    allowed_emails: list[str] | str
    budget_per_30s: int | None
    active: bool


@dataclass(frozen=True)
class AppQuota:
    """One app's use of its platform-side user cap."""

    app: PlatformApp
    active_connections: int
    needs_reconnect: int

    @property
    def connected(self) -> int:
        """Fans holding one of the app's user slots (a fan who must reconnect still holds one)."""
        return self.active_connections + self.needs_reconnect

    @property
    def cap(self) -> int | None:
        return self.app.user_cap

    @property
    def remaining(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.connected)

    @property
    def percent(self) -> int:
        if not self.cap:
            return 0
        return min(100, round(100 * self.connected / self.cap))

    @property
    def at_cap(self) -> bool:
        return self.remaining == 0

    @property
    def near_cap(self) -> bool:
        if self.cap is None or self.at_cap:
            return False
        remaining = self.remaining or 0
        return remaining <= 1 or self.connected >= NEAR_CAP_SHARE * self.cap

    @property
    def has_room(self) -> bool:
        return self.app.active and not self.at_cap


# --- validation -----------------------------------------------------------------------


def _check(
    errors: dict[str, list[str]],
    cleaned: dict[str, Any],
    field: str,
    clean: Callable[[Any], Any],
    value: Any,
) -> None:
    try:
        cleaned[field] = clean(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)


def _clean_credentials(
    platform: str, fields: AppFields, app: PlatformApp | None, errors: dict[str, list[str]]
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    creating = app is None

    def wanted(field: str, secret: bool = False) -> bool:
        # On update a missing field (or an empty secret: "leave empty to keep") is unchanged.
        if creating:
            return True
        value = fields.get(field)
        return field in fields and not (secret and not value)

    setup = app_setup(platform)
    for spec in setup.fields if setup else ():
        if wanted(spec.name, secret=spec.secret):
            _check(errors, cleaned, spec.name, spec.clean, str(fields.get(spec.name, "")))
    id_field = _id_field(platform)
    if id_field != "client_id" and id_field in cleaned:
        cleaned["client_id"] = cleaned[id_field]  # the field naming the app is its client id
    return cleaned


def _clean_mode(
    platform: str, fields: AppFields, app: PlatformApp | None, errors: dict[str, list[str]]
) -> dict[str, Any]:
    development = development_mode(platform)
    if development is None:
        # No development mode: no user cap either.
        return {"mode": AppMode.EXTENDED.value, "user_cap": None} if app is None else {}
    cleaned: dict[str, Any] = {}
    mode = fields.get("mode", app.mode if app else AppMode.DEVELOPMENT.value)
    if mode not in {m.value for m in AppMode}:
        errors.setdefault("mode", []).append("Choose development or extended mode.")
        return cleaned
    cleaned["mode"] = mode
    if "user_cap" in fields:
        cap = fields["user_cap"]
    elif app is not None and app.mode == mode:
        return cleaned
    else:
        cap = development.user_cap if mode == AppMode.DEVELOPMENT else None
    if cap is None and mode == AppMode.DEVELOPMENT:
        errors.setdefault("user_cap", []).append(
            f"Development-mode apps have a user cap ({development.user_cap} users since 2026): "
            "enter it."
        )
        return cleaned
    _check(errors, cleaned, "user_cap", validators.clean_user_cap, cap)
    return cleaned


def _clean(
    workspace: Workspace, platform: str, fields: AppFields, app: PlatformApp | None
) -> dict[str, Any]:
    if platform not in PLATFORMS:
        raise ValidationError({"platform": f"Unknown platform “{platform}”."})
    errors: dict[str, list[str]] = {}
    cleaned = _clean_credentials(platform, fields, app, errors)
    cleaned.update(_clean_mode(platform, fields, app, errors))
    if "name" in fields:
        _check(errors, cleaned, "name", validators.clean_name, str(fields["name"] or ""))
    if "budget_per_30s" in fields:
        _check(errors, cleaned, "budget_per_30s", validators.clean_budget, fields["budget_per_30s"])
    if "active" in fields:
        cleaned["active"] = bool(fields["active"])
    if "allowed_emails" in fields:
        limit = allow_list_size(platform)
        if limit is None:
            cleaned["allowed_emails"] = []
        else:
            clean_list = partial(validators.clean_allowed_emails, limit=limit)
            _check(errors, cleaned, "allowed_emails", clean_list, fields["allowed_emails"])
    if "client_id" in cleaned and "client_id" not in errors:
        _check_duplicate(workspace, platform, cleaned["client_id"], app, errors)
    if app is not None:
        _check_binding(app, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _id_field(platform: str) -> str:
    """The credential that names an app of ``platform`` (its duplicates are reported there)."""
    setup = app_setup(platform)
    return setup.id_field if setup else "client_id"


def _check_duplicate(
    workspace: Workspace,
    platform: str,
    client_id: str,
    app: PlatformApp | None,
    errors: dict[str, list[str]],
) -> None:
    twins = PlatformApp.objects.filter(workspace=workspace, platform=platform, client_id=client_id)
    if app is not None:
        twins = twins.exclude(pk=app.pk)
    twin = twins.only("name", "client_id", "platform").first()
    if twin is not None:
        errors.setdefault(_id_field(platform), []).append(_duplicate_message(twin))


def _duplicate_message(twin: PlatformApp) -> str:
    what = _id_field(twin.platform).replace("_", " ")
    return (
        f"Another {twin.get_platform_display()} app of this workspace has this {what} "
        f"(“{twin.title}”): edit that one instead."
    )


def _check_binding(app: PlatformApp, cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
    setup = app_setup(app.platform)
    field = setup.binding_field if setup else "client_id"
    if field not in cleaned or cleaned[field] == getattr(app, field):
        return
    count = app.connections.count()
    if count:
        errors.setdefault(field, []).append(
            f"{count} fan connection{'s' if count != 1 else ''} belong{'s' if count == 1 else ''} "
            f"to the current {field.replace('_', ' ')}: their grants do not carry over. Add a "
            "new app for the new credentials instead, and deactivate this one."
        )


# --- writes ---------------------------------------------------------------------------


def create_app(workspace: Workspace, platform: str, **fields: Unpack[AppFields]) -> PlatformApp:
    cleaned = _clean(workspace, platform, fields, None)
    app = PlatformApp(workspace=workspace, platform=platform, **cleaned)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        # Another request added the same client id between our check and this insert.
        twin = PlatformApp.objects.filter(
            workspace=workspace, platform=platform, client_id=app.client_id
        ).first()
        if twin is None:
            raise
        raise ValidationError({_id_field(platform): _duplicate_message(twin)}) from None
    return app


def update_app(app: PlatformApp, **fields: Unpack[AppFields]) -> PlatformApp:
    """Change what was given; secrets left empty stay as stored. Only changed columns are
    written, so an app loaded without its secrets (``defer``) is never decrypted here."""
    cleaned = _clean(app.workspace, app.platform, fields, app)
    # A new secret always counts as a change: comparing would decrypt the old one, which
    # fails when its key is gone, and replacing it is exactly how an owner recovers.
    changed = [
        field
        for field, value in cleaned.items()
        if field in SECRET_FIELDS or getattr(app, field) != value
    ]
    if not changed:
        return app
    for field in changed:
        setattr(app, field, cleaned[field])
    if any(field in CREDENTIAL_FIELDS for field in changed):
        # The last check proved other credentials.
        app.last_check_ok, app.last_check_message, app.last_checked = None, "", None
        changed += ["last_check_ok", "last_check_message", "last_checked"]
    try:
        with transaction.atomic():
            app.save(update_fields=changed)
    except IntegrityError:
        app.refresh_from_db(fields=[f for f in changed if f not in SECRET_FIELDS])
        twin = PlatformApp.objects.filter(
            workspace=app.workspace, platform=app.platform, client_id=cleaned.get("client_id")
        ).first()
        if twin is None:
            raise
        raise ValidationError({_id_field(app.platform): _duplicate_message(twin)}) from None
    return app


def set_app_active(app: PlatformApp, active: bool) -> PlatformApp:
    """An inactive app takes no new fans; fans already connected through it keep working."""
    if app.active != active:
        app.active = active
        app.save(update_fields=["active"])
    return app


def delete_app(app: PlatformApp) -> None:
    count = app.connections.count()
    if count:
        raise PlatformAppError(_in_use_message(count))
    try:
        with transaction.atomic():
            app.delete()
    except ProtectedError as error:  # a fan connected in the meantime
        raise PlatformAppError(_in_use_message(len(error.protected_objects))) from None


def _in_use_message(count: int) -> str:
    fans = f"{count} fan{'s are' if count != 1 else ' is'}"
    return (
        f"{fans} connected through this app: deleting it would lose their pre-saves. "
        "Deactivate it instead: it then takes no new fans, and the connected ones keep working."
    )


def check_connection(app: PlatformApp, client: httpx.Client | None = None) -> ConnectionCheck:
    """Ask the platform whether the app's credentials work; the answer is stored on the app."""
    label = app.get_platform_display()
    try:
        credentials = app.credentials(redirect_uri=app.routed_redirect_uri() or "")
    except DecryptionError:
        check = ConnectionCheck(
            False,
            "The stored secret cannot be decrypted with the configured encryption keys "
            "(FANLOOP_ENCRYPTION_KEYS): enter the secret again, or restore the old key.",
        )
    else:
        try:
            check = get_platform(app.platform, credentials, client).test_connection()
        except PlatformError as error:  # adapters answer with a check; this is a safety net
            check = ConnectionCheck(False, f"{label} refused the check: {error}")
    message = check.message
    if len(message) > CHECK_MESSAGE_MAX:
        message = message[: CHECK_MESSAGE_MAX - 1] + "…"
    app.last_check_ok, app.last_check_message, app.last_checked = check.ok, message, timezone.now()
    PlatformApp.objects.filter(pk=app.pk).update(
        last_check_ok=app.last_check_ok,
        last_check_message=app.last_check_message,
        last_checked=app.last_checked,
    )
    return check


# --- quotas ---------------------------------------------------------------------------


def connected_users(app: PlatformApp) -> int:
    """Fans holding one of the app's user slots at the platform.

    A connection that needs reconnecting still counts: its user stays registered with the
    app, and a development-mode cap is about registered users, not working tokens.
    """
    return app.connections.count()


def app_has_room(app: PlatformApp) -> bool:
    """Whether a new fan may be sent through this app's OAuth (inactive apps take nobody)."""
    if not app.active:
        return False
    return app.user_cap is None or connected_users(app) < app.user_cap


def _with_counts(apps: QuerySet[PlatformApp]) -> QuerySet[PlatformApp]:
    return apps.annotate(
        n_active=Count("connections", filter=Q(connections__status="active")),
        # Any other status (needs reconnect) still holds the fan's slot at the platform.
        n_reconnect=Count("connections", filter=~Q(connections__status="active")),
    )


def active_app(workspace: Workspace, platform: str) -> PlatformApp | None:
    """The app new fans of ``platform`` connect through: the first active app (oldest first)
    with room under its cap, else the first active one (the caller then checks
    ``app_has_room`` and offers the email reminder), else None."""
    apps = list(
        _with_counts(
            PlatformApp.objects.filter(workspace=workspace, platform=platform, active=True)
        ).order_by("created", "pk")
    )
    return _first_with_room(apps)


def active_apps(workspace_ids: list[int]) -> dict[tuple[int, str], tuple[PlatformApp, bool]]:
    """``active_app`` of every platform of many workspaces, in one query: (workspace id,
    platform) → (the app, whether it has room, as ``app_has_room`` would say)."""
    grouped: dict[tuple[int, str], list[PlatformApp]] = {}
    apps = _with_counts(PlatformApp.objects.filter(workspace_id__in=workspace_ids, active=True))
    for app in apps.order_by("created", "pk"):
        grouped.setdefault((app.workspace_id, app.platform), []).append(app)
    chosen = {key: _first_with_room(apps) for key, apps in grouped.items()}
    return {key: (app, _has_room(app)) for key, app in chosen.items() if app is not None}


def _first_with_room(apps: list[PlatformApp]) -> PlatformApp | None:
    """Of active apps annotated by ``_with_counts`` (oldest first): see ``active_app``."""
    for app in apps:
        if _has_room(app):
            return app
    return apps[0] if apps else None


def _has_room(app: PlatformApp) -> bool:
    """``app_has_room`` of an active app annotated by ``_with_counts``, without a query."""
    taken: int = app.n_active + app.n_reconnect  # type: ignore[attr-defined]
    return app.user_cap is None or taken < app.user_cap


def quota_summary(workspace: Workspace) -> list[AppQuota]:
    """Every app of the workspace (active first, by platform, oldest first) with its cap use.

    Secrets are not loaded: the dashboard shows them to nobody.
    """
    apps = _with_counts(PlatformApp.objects.filter(workspace=workspace).defer(*SECRET_FIELDS))
    quotas = [
        AppQuota(app, app.n_active, app.n_reconnect)  # type: ignore[attr-defined]
        for app in apps.order_by("created", "pk")
    ]
    quotas.sort(key=lambda q: (not q.app.active, _platform_rank(q.app.platform)))
    return quotas


def _platform_rank(platform: str) -> int:
    return PLATFORM_ORDER.index(platform) if platform in PLATFORM_ORDER else len(PLATFORM_ORDER)


@dataclass(frozen=True)
class PlatformQuota:
    """One platform's apps taken together: can a new fan connect with it right now?"""

    platform: str
    label: str
    apps: int
    active_apps: int
    connected: int  # fans on the active apps
    cap: int | None  # total slots of the active apps; None if one of them has no cap
    has_room: bool

    @property
    def configured(self) -> bool:
        return self.apps > 0


def platform_summary(quotas: list[AppQuota]) -> list[PlatformQuota]:
    """Per platform (every registered one, set up or not), from ``quota_summary``'s answer."""
    summary: list[PlatformQuota] = []
    for platform, (label, _factory) in PLATFORMS.items():
        mine = [q for q in quotas if q.app.platform == platform]
        active = [q for q in mine if q.app.active]
        caps = [q.cap for q in active]
        summary.append(
            PlatformQuota(
                platform=platform,
                label=label,
                apps=len(mine),
                active_apps=len(active),
                connected=sum(q.connected for q in active),
                cap=None if None in caps else sum(c for c in caps if c is not None),
                has_room=any(q.has_room for q in active),
            )
        )
    return summary
