"""Django admin for platform apps: operators see and fix settings, never the secrets.

Secrets are left out of the admin's form entirely (not even a masked field), so the admin
can neither show nor change them; owners replace them from the dashboard.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from fanloop.platforms.models import PlatformApp

SECRET_FIELDS = ("client_secret", "private_key")


@admin.register(PlatformApp)
class PlatformAppAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "__str__",
        "workspace",
        "platform",
        "client_id",
        "mode",
        "connection_count",
        "user_cap",
        "active",
        "last_check_ok",
    )
    list_filter = ("platform", "mode", "active", "last_check_ok")
    search_fields = ("name", "client_id", "key_id", "team_id", "workspace__name")
    raw_id_fields = ("workspace",)
    exclude = SECRET_FIELDS
    readonly_fields = (
        "has_secret",
        "last_check_ok",
        "last_check_message",
        "last_checked",
        "created",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlatformApp]:
        # Listing never decrypts: secrets are only loaded for one app's change page.
        return (
            super()
            .get_queryset(request)
            .defer(*SECRET_FIELDS)
            .annotate(n_connections=Count("connections"))
        )

    @admin.display(description="fans", ordering="n_connections")
    def connection_count(self, app: PlatformApp) -> int:
        return app.n_connections  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Apps are added from the dashboard, where credentials are validated and tested.
        return False

    @admin.display(description="secret stored", boolean=True)
    def has_secret(self, app: PlatformApp) -> bool:
        # Asked of the database, so nothing is decrypted (an unreadable secret still counts).
        stored = ~Q(client_secret="") | ~Q(private_key="")
        return PlatformApp.objects.filter(stored, pk=app.pk).exists()
