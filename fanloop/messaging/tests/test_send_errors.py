"""Which mail backend errors are temporary (retried later) and which permanent."""

from __future__ import annotations

import smtplib

import pytest
import requests
from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)

from fanloop.messaging.send_errors import is_temporary


def _api_error(status: int) -> AnymailRequestsAPIError:
    response = requests.Response()
    response.status_code = status
    return AnymailRequestsAPIError("refused", response=response)


def _no_answer() -> AnymailRequestsAPIError:
    try:
        try:
            raise requests.ConnectionError("refused")
        except requests.ConnectionError as cause:
            raise AnymailRequestsAPIError("Error posting") from cause
    except AnymailRequestsAPIError as exc:
        return exc


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPConnectError(554, b"no service"),
        smtplib.SMTPResponseException(421, b"closing"),
        smtplib.SMTPDataError(451, b"local error"),
        smtplib.SMTPRecipientsRefused({"a@x.example": (450, b"later"), "b@x.example": (452, b"")}),
        smtplib.SMTPSenderRefused(553, b"sender not allowed", "noreply@x.example"),
        smtplib.SMTPAuthenticationError(535, b"bad login"),
        _api_error(429),
        _api_error(500),
        _api_error(503),
        _no_answer(),
    ],
    ids=repr,
)
def test_it_retries(exc: BaseException) -> None:
    assert is_temporary(exc)


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no such user")}),
        smtplib.SMTPRecipientsRefused({"a@x.example": (450, b"later"), "b@x.example": (550, b"")}),
        smtplib.SMTPDataError(554, b"rejected as spam"),
        ValueError("Invalid address"),
        AnymailInvalidAddress("bad address"),
        AnymailRecipientsRefused(),
        AnymailAPIError("no status"),
        _api_error(400),
        _api_error(401),
        _api_error(422),
        TypeError("a bug"),
    ],
    ids=repr,
)
def test_it_gives_up(exc: BaseException) -> None:
    assert not is_temporary(exc)
