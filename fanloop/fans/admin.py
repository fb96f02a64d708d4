"""Admin for fans, connections, consents and pre-saves: for operators, never showing tokens.

Token fields are excluded from every form and list: the admin says they are stored
encrypted and nothing more. The consent log is append-only, so it is read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave

TOKEN_FIELDS = ("access_token", "refresh_token")


@admin.register(Fan)
class FanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "workspace", "email_confirmed_at", "country", "created")
    list_select_related = ("workspace",)
    list_filter = ("country",)
    search_fields = ("email", "display_name", "workspace__name", "workspace__slug")
    raw_id_fields = ("workspace",)
    readonly_fields = ("created", "updated")


@admin.register(PlatformConnection)
class PlatformConnectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("fan", "platform", "display_name", "status", "authorized_at", "app")
    list_select_related = ("fan", "app")
    list_filter = ("platform", "status")
    search_fields = ("fan__email", "platform_user_id", "display_name")
    raw_id_fields = ("fan", "app")
    exclude = TOKEN_FIELDS
    readonly_fields = ("tokens", "token_expires_at", "created", "updated")

    @admin.display(description="Tokens")
    def tokens(self, obj: PlatformConnection) -> str:
        # Never the values: not even a prefix, since a token prefix can identify the account.
        return "stored encrypted" if obj.pk else "—"


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "fan",
        "kind",
        "granted",
        "artist",
        "wording_version",
        "confirmed_at",
        "created",
    )
    list_select_related = ("fan", "artist")
    list_filter = ("kind", "granted", "wording_version")
    search_fields = ("fan__email", "wording", "page")
    raw_id_fields = ("fan", "artist")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PreSave)
class PreSaveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("fan", "release", "platform", "utm_source", "referrer_host", "created")
    list_select_related = ("fan", "release", "release__artist")
    list_filter = ("platform",)
    search_fields = ("fan__email", "release__title", "utm_source", "utm_campaign")
    raw_id_fields = ("fan", "release", "connection")
    readonly_fields = ("created", "updated")
