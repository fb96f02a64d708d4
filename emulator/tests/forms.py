"""Drive the emulator's login and consent pages like a browser (see ``emulator.testing``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from emulator.testing import answer_consent, parse_form

__all__ = ["consent", "parse_form"]


def consent(
    client: httpx.Client, authorize_url: str, email: str, agree: bool = True, password: str = "x"
) -> dict[str, list[str]]:
    """Log in (if needed), answer the consent page; return the callback's query."""
    location = answer_consent(client, authorize_url, email, agree=agree, password=password)
    return parse_qs(urlparse(location).query)
