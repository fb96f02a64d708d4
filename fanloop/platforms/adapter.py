"""What every adapter keeps: the platform app's credentials, the API's base URL and a pooled
HTTP client (the process-wide one unless a caller hands its own, e.g. for release day)."""

from __future__ import annotations

import httpx

from fanloop.platforms.base import AppCredentials, ItemRef
from fanloop.platforms.http import shared_client

# URLs one adapter keeps built (``HttpAdapter.url``): a batch's library writes all go to one.
# Not measured as a size; any batch needs one or two, catalog lookups a few more.
URL_CACHE = 64


class HttpAdapter:
    key: str
    label: str
    # Kinds ``contains`` can read back, and the scope that allows it (None: any grant).
    read_scopes: dict[str, str | None] = {}

    def __init__(self, app: AppCredentials, api_url: str, client: httpx.Client | None) -> None:
        self.app = app
        self.api_url = api_url.rstrip("/")
        self.http = client or shared_client()
        self._urls: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL] = {}

    def url(self, path: str, params: dict[str, str] | None = None) -> httpx.URL:
        """The URL of a call: the API's path (or an absolute URL, such as a page's "next")
        with ``params`` added to its query. Kept per adapter (up to ``URL_CACHE``): release
        day writes each fan's library through the same URL, which httpx takes ~20 µs to
        build."""
        key = (path, tuple(params.items()) if params else ())
        url = self._urls.get(key)
        if url is None:
            full = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
            url = httpx.URL(full)
            if params:
                url = url.copy_merge_params(params)
            if len(self._urls) < URL_CACHE:
                self._urls[key] = url
        return url

    def readable(self, scopes: frozenset[str], items: list[ItemRef]) -> list[ItemRef]:
        """The items ``contains`` can read back with a grant of ``scopes``."""
        allowed = self.read_scopes
        return [
            item
            for item in items
            if item.kind in allowed and (allowed[item.kind] is None or allowed[item.kind] in scopes)
        ]

    def read_calls(self, items: list[ItemRef]) -> int:
        """Calls one ``contains`` of ``items`` makes, at least (a library may take pages):
        one per kind unless the adapter says otherwise."""
        return len({item.kind for item in items})


class OAuthHttpAdapter(HttpAdapter):
    """An adapter whose platform signs fans in on a host of its own (Spotify's accounts
    service, Deezer's connect), apart from its API."""

    def __init__(
        self,
        app: AppCredentials,
        oauth_url: str,
        api_url: str,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(app, api_url, client)
        self.oauth_url = oauth_url.rstrip("/")
