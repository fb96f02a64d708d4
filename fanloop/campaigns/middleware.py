"""Serves public release pages and artist pages that this process already knows, before
the session, CSRF, auth and messages middleware and URL routing, the way whitenoise serves
files.

Why: measured with ``bench/page.py`` (2 workers, SQLite), the full Django stack
plus one ORM lookup per view costs about 30 times what whitenoise spends on a
static file, and a trivial view behind the full middleware stack still costs
more than twice as much. Anonymous page views need none of it, so this serves
them from memory; what a page shows is checked against the database at most once per
``pages.REVALIDATE_SECONDS`` per process (and forgotten at once after a save in this
process), so every edit shows within a second, far inside the HTTP max-age.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from fanloop.campaigns import artist_page, pages


class PublicPageMiddleware:
    """Place right after ``WhiteNoiseMiddleware``; anything it does not know passes through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._hosts_for: object = None
        self._good_hosts: set[tuple[object, object]] = set()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.method in ("GET", "HEAD")
            # Members (anyone with a session) go through the view: previews, not counted.
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            # A plain substring test first: parsing the query costs more than this check.
            and (
                "preview" not in request.META.get("QUERY_STRING", "")
                or "preview" not in request.GET
            )
        ):
            path = request.path_info
            known = pages.recall(path)
            if known is not None:
                self._check_host(request)
                return pages.public_response(request, known, timezone.now())
            artist = artist_page.recall(path)
            if artist is not None:
                self._check_host(request)
                return artist_page.response(request, artist, timezone.now())
        return self.get_response(request)

    def _check_host(self, request: HttpRequest) -> None:
        """The ALLOWED_HOSTS check CommonMiddleware would make, remembered per host."""
        key = (request.META.get("HTTP_HOST"), request.META.get("HTTP_X_FORWARDED_HOST"))
        allowed = settings.ALLOWED_HOSTS
        if self._hosts_for is not allowed:  # settings changed (tests): forget
            self._hosts_for, self._good_hosts = allowed, set()
        if key not in self._good_hosts:
            request.get_host()  # raises DisallowedHost (a 400) for a bad one
            if len(self._good_hosts) < 100:
                self._good_hosts.add(key)
