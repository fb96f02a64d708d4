"""Django admin for release-day delivery: operators inspect detection, waves, deliveries and
the pacers. Rows are read-only here except where fixing state by hand is the point (a wave's
or a delivery's state); the dashboard's override and retry are the normal ways."""

from __future__ import annotations

from django.contrib import admin

from fanloop.fulfillment.models import Delivery, MarketWave, RateGate, ReleasePlatform


class MarketWaveInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MarketWave
    extra = 0
    fields = (
        "market",
        "instant",
        "status",
        "polls",
        "last_poll_message",
        "started_at",
        "finished_at",
    )
    readonly_fields = ("polls", "last_poll_message", "started_at", "finished_at")
    show_change_link = True


@admin.register(ReleasePlatform)
class ReleasePlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "release",
        "platform",
        "status",
        "source",
        "album_id",
        "precheck_status",
        "detected_at",
    )
    list_filter = ("platform", "status", "source", "precheck_status")
    search_fields = ("release__title", "release__artist__name", "album_id")
    raw_id_fields = ("release",)
    readonly_fields = ("detected_at", "prechecked_at", "precheck_message", "created", "updated")
    inlines = [MarketWaveInline]


@admin.register(MarketWave)
class MarketWaveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "status", "polls", "started_at", "finished_at")
    list_filter = ("status",)
    raw_id_fields = ("state",)
    readonly_fields = (
        "detected_at",
        "started_at",
        "finished_at",
        "announced_at",
        "created",
        "updated",
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "release",
        "fan",
        "platform",
        "market",
        "source",
        "state",
        "attempts",
        "delivered_at",
    )
    list_filter = ("state", "platform", "source")
    search_fields = ("release__title", "fan__email", "reason")
    raw_id_fields = ("release", "fan", "connection", "wave")
    readonly_fields = (
        "items",
        "attempts",
        "batch",
        "claimed_at",
        "delivered_at",
        "in_flight",
        "created",
        "updated",
    )


@admin.register(RateGate)
class RateGateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("app", "calls", "pauses", "paused_until", "updated")
    readonly_fields = ("app", "tat", "paused_until", "calls", "pauses", "updated")
