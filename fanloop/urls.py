"""URL map: dashboard under /w/<workspace>/, public pages at /<artist>/<release>."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from fanloop.accounts import urls as accounts_urls
from fanloop.api import urls as api_urls
from fanloop.api.api import api
from fanloop.flows import workspaces

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fanloop.ops.urls")),
    # A new workspace starts with its default flow: the accounts views create through flows.
    path(
        "accounts/",
        include(
            (
                accounts_urls.patterns(
                    sign_up=workspaces.sign_up, create_workspace=workspaces.create_workspace
                ),
                accounts_urls.app_name,
            )
        ),
    ),
    path("", include("fanloop.catalog.urls")),
    path("", include("fanloop.analytics.urls")),
    path("", include("fanloop.platforms.urls")),
    path("", include("fanloop.fans.urls")),
    path("", include("fanloop.fulfillment.urls")),
    path("", include("fanloop.messaging.urls")),
    path("", include("fanloop.flows.urls")),
    path("", include("fanloop.webhooks.urls")),
    path("", include("fanloop.insights.urls")),
    # The token pages and the docs page, then the API itself.
    path("", include("fanloop.api.urls")),
    path("api/v1/", api.urls),
    path("api/", include((api_urls.no_route_patterns, "api-no-route"))),
    # Public fan pages come last: /<artist-slug>/<release-slug> matches broadly.
    path("", include("fanloop.campaigns.urls")),
]
