"""A local SMTP sink for the demo and tests: accepts every message and keeps it in an
outbox folder, one ``<ns>-<n>.eml`` file each (the demo's mailbox page reads them).

Tests drive its faults: ``SmtpSink.stop`` takes it down (new connections refused, open
ones dropped) and ``start`` brings it back on the same port; ``refuse`` makes it answer
every recipient with a given reply (``451 …`` temporary, ``550 …`` permanent)."""

from __future__ import annotations

import email.parser
import email.policy
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class OutboxHandler:
    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox
        outbox.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.refusal: str | None = None
        self.refused = 0  # recipients answered with ``refusal``
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refusal = self.refusal
        if refusal is not None:
            self.refused += 1
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.count += 1
            count = self.count
        raw = envelope.original_content or b""
        name = f"{time.time_ns()}-{count}.eml"
        # Written aside then renamed: a reader never sees half a message.
        partial = self.outbox / f".{name}.part"
        partial.write_bytes(raw)
        partial.replace(self.outbox / name)
        # The headers only: parsing the whole message took most of the sink's time.
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        print(f"smtp-sink: to {', '.join(envelope.rcpt_tos)}: {headers['subject']}", flush=True)
        return "250 Message accepted for delivery"


class SmtpSink:
    """The sink on ``host:port``; ``accepted``: the messages it took since it was made."""

    def __init__(self, outbox: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.handler = OutboxHandler(outbox)
        self.host, self.port = host, port
        self._controller: Controller | None = None

    @property
    def accepted(self) -> int:
        return self.handler.count

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is None:
            controller = Controller(self.handler, hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        """Stop listening and drop the open connections (a sink gone down)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, reply: str | None) -> None:
        """Answer every recipient with ``reply`` (e.g. ``"451 4.3.0 Try again later"``);
        None: accept again."""
        self.handler.refusal = reply


def start_sink(outbox: Path, host: str = "127.0.0.1", port: int = 1025) -> SmtpSink:
    sink = SmtpSink(outbox, host, port)
    sink.start()
    return sink


def run_sink(outbox: Path, host: str, port: int, **_: Any) -> None:
    sink = start_sink(outbox, host, port)
    try:
        while True:
            time.sleep(3600)
    finally:
        sink.stop()
