"""Dashboard URLs of the API tokens (``/w/<ws>/settings/api-tokens/``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.api import views

app_name = "api"
urlpatterns: list[URLPattern] = [
    path("api/v1/docs", views.docs, name="docs"),
    path("w/<slug:ws>/settings/api-tokens/", views.token_list, name="tokens"),
    path(
        "w/<slug:ws>/settings/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"
    ),
]

# Any other address under /api/ (after the API's own routes): a JSON 404 for every method.
no_route_patterns: list[URLPattern] = [
    path("", views.no_route, name="no-route"),
    path("<path:rest>", views.no_route, name="no-route"),
]
