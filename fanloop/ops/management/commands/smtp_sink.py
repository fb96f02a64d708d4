from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from fanloop.ops.smtp_sink import run_sink


class Command(BaseCommand):
    help = "Run a local SMTP sink that keeps every message in an outbox folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)
        parser.add_argument("--outbox", default=str(Path(settings.DATA_DIR) / "outbox"))

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"smtp-sink: listening on {options['host']}:{options['port']}")
        run_sink(Path(options["outbox"]), options["host"], options["port"])
