"""Admin for email: templates, the outbox (read-only: it is the send log) and suppressions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fanloop.messaging.models import EmailTemplate, OutboundMessage, Suppression


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "workspace", "artist", "updated")
    list_select_related = ("workspace", "artist")
    search_fields = ("name", "subject", "workspace__slug")
    raw_id_fields = ("workspace", "artist")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("subject", "to", "status", "workspace", "created", "sent_at")
    list_select_related = ("workspace",)
    list_filter = ("status", "is_test")
    search_fields = ("to", "subject", "key", "message_id", "esp_message_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("email", "reason", "workspace", "created")
    list_select_related = ("workspace",)
    list_filter = ("reason",)
    search_fields = ("email", "detail", "workspace__slug")
    raw_id_fields = ("workspace",)
