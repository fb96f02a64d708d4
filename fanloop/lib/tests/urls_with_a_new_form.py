"""fanloop's URLs plus one public page that takes a POST and has no browser test."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.http import require_http_methods

from fanloop.urls import urlpatterns as fanloop_urls


@require_http_methods(["GET", "POST"])
def new_form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("thanks")


urlpatterns: list[URLPattern | URLResolver] = [
    path("new-form/", new_form, name="new_form"),
    *fanloop_urls,
]
