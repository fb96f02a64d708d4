"""Email test fixtures: an artist with a live release, a fan who agreed to emails, a
template, and a real SMTP sink (aiosmtpd, as the demo runs it) on a free port."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from fanloop.accounts.models import User, Workspace
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import consent_log
from fanloop.fans.models import Fan
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, OutboundMessage
from fanloop.messaging.sending import SendOutcome
from fanloop.ops.smtp_sink import SmtpSink, start_sink

T = TypeVar("T")

TEXT = (
    "Hi {{ fan.first_name|default:'there' }},\n\n"
    "{{ release.title }} by {{ artist.name }} is out now.\n"
    "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}"
    "Save it: {{ save_url }}\n"
)


@pytest.fixture(autouse=True)
def _email_rules(settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch) -> SettingsWrapper:
    """No quiet hours, the default cap, no open tracking: each test turns on what it tests."""
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 3)
    monkeypatch.setattr(sending_rules, "DEFAULT_WINDOW_HOURS", 72)
    settings.EMAIL_OPEN_TRACKING = False
    settings.EMAIL_UNSUBSCRIBE_MAILTO = ""
    settings.DEFAULT_FROM_EMAIL = "fanloop <noreply@fanloop.example>"
    settings.SITE_URL = "http://testserver"
    return settings


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="The Lanterns")


@pytest.fixture
def release(artist: Artist) -> Release:
    release = create_release(
        artist,
        {"title": "First Light", "release_date": timezone.localdate() - dt.timedelta(days=1)},
        [],
    )
    platform_ids.write_release_ids(release, {"spotify": "4aawyAB9vmqN3uQ7FjRGTy"})
    release.published = True
    release.save()
    return release


def subscribed_fan(workspace: Workspace, address: str, *, country: str = "DE") -> Fan:
    fan = Fan.objects.create(
        workspace=workspace, email=address, display_name="Jo Fan", country=country
    )
    consent_log.record_consent(fan, "email", True, page="/test", confirmed=True)
    return fan


@pytest.fixture
def fan(workspace: Workspace) -> Fan:
    return subscribed_fan(workspace, "jo@fans.example")


@pytest.fixture
def template(workspace: Workspace, artist: Artist) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace,
        artist=artist,
        name="It's out",
        subject="{{ release.title }} is out",
        text_body=TEXT,
    )


@pytest.fixture
def other_workspace(outsider: User) -> Workspace:
    return outsider.memberships.get().workspace


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Sink:
    """The SMTP sink's folder, read back as parsed messages; ``server`` takes it down,
    brings it back or makes it refuse recipients."""

    def __init__(self, folder: Path, server: SmtpSink) -> None:
        self.folder = folder
        self.server = server
        # Each file parsed once (keyed by its bytes): tests with thousands of messages read
        # the folder after every stage, and parsing dominated their run time.
        self._parsed: dict[Path, tuple[bytes, EmailMessage]] = {}

    def messages(self) -> list[EmailMessage]:
        return self._read(sorted(self.folder.glob("*.eml")))

    def new_messages(self, seen: set[Path]) -> list[EmailMessage]:
        """The messages of the files not in ``seen`` (which gains them): each file is one
        message the sink accepted, so a message sent twice comes back twice."""
        paths = [path for path in sorted(self.folder.glob("*.eml")) if path not in seen]
        seen.update(paths)
        return self._read(paths)

    def _read(self, paths: list[Path]) -> list[EmailMessage]:
        found = []
        for path in paths:
            raw = path.read_bytes()
            seen = self._parsed.get(path)
            if seen is None or seen[0] != raw:
                message = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                seen = self._parsed[path] = (raw, message)
            found.append(seen[1])
        return found


@pytest.fixture
def smtp_sink(settings: SettingsWrapper, tmp_path: Path) -> Iterator[Sink]:
    """A real SMTP server (the demo's sink) and Django's SMTP backend pointed at it."""
    folder = tmp_path / "outbox"
    port = _free_port()
    server = start_sink(folder, port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SMTP_SINK_DIR = str(folder)
    try:
        yield Sink(folder, server)
    finally:
        server.stop()


def on_another_connection(read: Callable[[], T]) -> T:
    """``read()`` in another thread, so on another database connection (as another
    worker would): it sees committed data only."""
    seen: list[T] = []

    def run() -> None:
        try:
            seen.append(read())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


def msg(outcome: SendOutcome) -> OutboundMessage:
    """The outbox row of a send (every outcome of ``send_email`` has one)."""
    assert outcome.message is not None
    return outcome.message
