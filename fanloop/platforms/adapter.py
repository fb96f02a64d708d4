"""What every adapter keeps: the platform app's credentials, the API's base URL and a pooled
HTTP client (the process-wide one unless a caller hands its own, e.g. for release day)."""

from __future__ import annotations

import httpx

from fanloop.platforms.base import AppCredentials, ItemRef
from fanloop.platforms.http import shared_client


class HttpAdapter:
    key: str
    label: str
    # Kinds ``contains`` can read back, and the scope that allows it (None: any grant).
    read_scopes: dict[str, str | None] = {}

    def __init__(self, app: AppCredentials, api_url: str, client: httpx.Client | None) -> None:
        self.app = app
        self.api_url = api_url.rstrip("/")
        self.http = client or shared_client()

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
