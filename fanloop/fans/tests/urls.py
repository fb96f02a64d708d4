"""Test URL map: the real one, plus placeholders for the capture flow's URL names that the
fans services link to (``campaigns:oauth_callback``, ``campaigns:confirm_email``) while
that flow has not landed. Used only when those names do not resolve."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from fanloop import urls as root
from fanloop.campaigns import urls as campaigns_urls


def _placeholder(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("capture flow placeholder", status=501)


_names = {getattr(p, "name", None) for p in campaigns_urls.urlpatterns}
_extra: list[URLPattern | URLResolver] = []
if "oauth_callback" not in _names:
    _extra.append(path("connect/<slug:platform>/callback", _placeholder, name="oauth_callback"))
if "confirm_email" not in _names:
    _extra.append(path("e/confirm/<str:token>", _placeholder, name="confirm_email"))

urlpatterns: list[URLPattern | URLResolver] = [
    p for p in root.urlpatterns if getattr(p, "namespace", None) != "campaigns"
]
urlpatterns.append(path("", include(([*_extra, *campaigns_urls.urlpatterns], "campaigns"))))
