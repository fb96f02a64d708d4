"""A local SMTP sink for the demo and tests: accepts every message and keeps it in an
outbox folder, one ``<ns>-<n>.eml`` file each (the demo's mailbox page reads them)."""

from __future__ import annotations

import email
import email.policy
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

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        raw = envelope.original_content or b""
        name = f"{time.time_ns()}-{self.count}.eml"
        # Written aside then renamed: a reader never sees half a message.
        partial = self.outbox / f".{name}.part"
        partial.write_bytes(raw)
        partial.replace(self.outbox / name)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        print(f"smtp-sink: to {', '.join(envelope.rcpt_tos)}: {message['subject']}", flush=True)
        return "250 Message accepted for delivery"


def start_sink(outbox: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    controller = Controller(OutboxHandler(outbox), hostname=host, port=port)
    controller.start()
    return controller


def run_sink(outbox: Path, host: str, port: int, **_: Any) -> None:
    controller = start_sink(outbox, host, port)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
