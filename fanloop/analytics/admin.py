"""Read-only admin lists of the event log, for operators checking what is recorded."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from fanloop.analytics.models import DroppedHit, Event


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("created", "kind", "release", "platform", "country", "device_class")
    list_filter = ("kind", "platform", "device_class")
    list_select_related = ("release__artist",)
    date_hierarchy = "created"


@admin.register(DroppedHit)
class DroppedHitAdmin(ReadOnlyAdmin):
    list_display = ("day", "release", "reason", "count")
    list_filter = ("reason",)
    list_select_related = ("release__artist",)
