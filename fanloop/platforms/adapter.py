"""What every adapter keeps: the platform app's credentials, the API's base URL and a pooled
HTTP client (the process-wide one unless a caller hands its own, e.g. for release day)."""

from __future__ import annotations

import httpx

from fanloop.platforms.base import AppCredentials
from fanloop.platforms.http import shared_client


class HttpAdapter:
    key: str
    label: str

    def __init__(self, app: AppCredentials, api_url: str, client: httpx.Client | None) -> None:
        self.app = app
        self.api_url = api_url.rstrip("/")
        self.http = client or shared_client()
