"""Platform errors, one small tree shared by every adapter.

PlatformError
 ├── RateLimited(retry_after)   429 / Deezer code 4: pause the whole queue for retry_after seconds
 ├── AccessRevoked              grant gone (invalid_grant, revoked, bad code): reconnect
 ├── TokenExpired               the access token expired: refresh, then retry once
 ├── PermissionDenied           missing scope, app not allowed (dev-mode cap, legacy endpoint),
 │                              app credentials refused (wrong secret, unknown app, bad key)
 ├── NotFound                   no such item (or not released yet in that market)
 ├── BadRequest                 malformed request (our bug): do not retry
 └── TransientError             5xx, timeouts, connection errors: retry with backoff and jitter

Messages never contain tokens or secrets. Errors pickle and unpickle intact (durable workflows
store the exceptions their steps raise).
"""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """Base of every error an adapter raises. Messages never contain tokens."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses have their own __init__ signatures: rebuild from args and attributes.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[PlatformError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class RateLimited(PlatformError):
    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after:g}s)", status=429)
        self.retry_after = retry_after


class AccessRevoked(PlatformError):
    pass


class TokenExpired(PlatformError):
    pass


class PermissionDenied(PlatformError):
    pass


class NotFound(PlatformError):
    pass


class BadRequest(PlatformError):
    pass


class TransientError(PlatformError):
    pass


def for_status(message: str, status: int) -> PlatformError:
    """The error for an HTTP failure every platform reports alike (403, 404, 400, other);
    the caller maps its own meanings (a 401, a 403 with a fan's token) first."""
    if status == 403:
        return PermissionDenied(message, status=403)
    if status == 404:
        return NotFound(message, status=404)
    if status == 400:
        return BadRequest(message, status=400)
    return PlatformError(message, status=status)
