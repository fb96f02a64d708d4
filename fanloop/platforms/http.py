"""Pooled httpx clients with explicit timeouts, and the mapping of HTTP failures to our errors."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from fanloop.lib.tls import client_context
from fanloop.platforms.errors import RateLimited, TransientError

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)
USER_AGENT = "fanloop/0.1 (+https://github.com/fanloop)"

_shared: httpx.Client | None = None
_shared_lock = threading.Lock()
_delivery: dict[float, ClientLender] = {}


def make_client(
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.Client:
    return httpx.Client(
        timeout=timeout,
        limits=DEFAULT_LIMITS,
        transport=transport,
        headers={"User-Agent": USER_AGENT},
        verify=client_context(),
    )


def shared_client() -> httpx.Client:
    """One pooled client per process: adapters built per call still reuse connections."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.is_closed:
            _shared = make_client()
        return _shared


class ClientLender:
    """Pooled clients, each lent to one thread at a time (``lend``) and kept for the next.

    For threads that make call after call side by side (release day): each has a client of
    its own, so its connection is reused and nobody waits for anybody's pool. One client
    shared by every thread shares one httpcore pool (httpcore 1.0.9), which takes its lock
    three times a request and walks every connection each time (quadratic in the
    connections: encode/httpcore#1035, not merged). With 16 delivery threads a process
    (py-spy, 20,000 fans), threads spent 16 % of their time waiting for that lock. With a
    client each, ``bench/delivery.py`` delivered 12 % more fans a second at 15 % less
    worker CPU a fan (means of five runs, each paired with a run of the shared client).
    """

    def __init__(self, make: Callable[[], httpx.Client]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._idle: list[httpx.Client] = []

    @contextmanager
    def lend(self) -> Iterator[httpx.Client]:
        """A client for this thread alone until the block ends (the last one given back
        first: its connection is the likeliest to be alive)."""
        with self._lock:
            client = self._idle.pop() if self._idle else None
        if client is None or client.is_closed:
            client = self._make()
        try:
            yield client
        finally:
            with self._lock:
                self._idle.append(client)

    def close(self) -> None:
        """Close the clients not lent out now (one lent out is kept when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for client in idle:
            client.close()


def delivery_clients(read_timeout_s: float) -> ClientLender:
    """The process's clients for release-day writes, one per thread calling: a platform
    that does not answer within ``read_timeout_s`` costs one thread that long, and the call
    is retried (in doubt: it may have landed)."""
    timeout = max(0.1, read_timeout_s)
    with _shared_lock:
        lender = _delivery.get(timeout)
        if lender is None:
            lender = _delivery[timeout] = ClientLender(
                lambda: make_client(
                    timeout=httpx.Timeout(
                        connect=min(5.0, timeout), read=timeout, write=timeout, pool=10.0
                    )
                )
            )
        return lender


def send(
    client: httpx.Client, method: str, url: httpx.URL, headers: list[tuple[str, str]]
) -> httpx.Response:
    """``client.request(method, url, headers=headers)``, read in full, without the layers
    fanloop's API calls never use: no cookie jar (read and written twice per call), no auth
    flow, redirect loop or event hooks (none are set; a redirect comes back as it is, as
    ``follow_redirects=False`` gives it), no per-call merge of the client's parameters.
    The request goes to the transport the client picks for its URL (a proxy of the
    environment included), with the client's headers and timeouts.

    Measured with a pooled client against a local server (2 cores, load average 2 to 5): about
    490 µs of CPU a call instead of 830 µs through ``client.request``; release day makes
    one call per fan.
    """
    if client.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    request = httpx.Request(
        method,
        url,
        headers=[*client.headers.multi_items(), *headers],
        extensions={"timeout": client.timeout.as_dict()},
    )
    # The client's own choice of transport (its mounts): httpx has no public call for it.
    transport = client._transport_for_url(url)
    response = transport.handle_request(request)
    response.request = request
    try:
        response.read()  # closes the response: its connection goes back to the pool
    except BaseException:
        response.close()
        raise
    return response


def retry_after_seconds(response: httpx.Response, default: float = 1.0) -> float:
    """Retry-After in whole seconds; it may be a number of seconds or an HTTP date."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return default
    try:
        return max(0.0, float(math.ceil(float(raw))))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, float(math.ceil((when - dt.datetime.now(dt.UTC)).total_seconds())))


def raise_for_common(response: httpx.Response, platform: str) -> None:
    """Errors every platform shares: rate limits and server-side failures."""
    if response.status_code == 429:
        raise RateLimited(retry_after_seconds(response), f"{platform} rate limit")
    if response.status_code >= 500:
        raise TransientError(
            f"{platform} answered {response.status_code}", status=response.status_code
        )


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none (or it is not JSON)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: httpx.Response) -> dict[str, Any]:
    body = json_body(response)
    return body if isinstance(body, dict) else {}


@contextmanager
def transport_errors(platform: str) -> Iterator[None]:
    """Timeouts and connection failures are transient: the caller retries with backoff.

    The httpx exception is not chained: its message can carry a URL, and Deezer's URLs carry
    the fan's access token.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(f"{platform} timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise TransientError(f"{platform} unreachable ({type(exc).__name__})") from None
