"""URL map: dashboard under /w/<workspace>/, public pages at /<artist>/<release>."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fanloop.ops.urls")),
    path("accounts/", include("fanloop.accounts.urls")),
    path("", include("fanloop.catalog.urls")),
    path("", include("fanloop.analytics.urls")),
    path("", include("fanloop.platforms.urls")),
    path("", include("fanloop.fans.urls")),
    path("", include("fanloop.fulfillment.urls")),
    path("", include("fanloop.messaging.urls")),
    path("", include("fanloop.flows.urls")),
    # Public fan pages come last: /<artist-slug>/<release-slug> matches broadly.
    path("", include("fanloop.campaigns.urls")),
]
