"""``fanloop generate_encryption_key``: print a new Fernet key for FANLOOP_ENCRYPTION_KEYS.

With ``--install`` (development: keys kept in the data dir) the key is put first in
``$FANLOOP_DATA_DIR/encryption_keys``, ready for ``fanloop rotate_encryption_keys``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fanloop.lib.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new encryption key (put it first in FANLOOP_ENCRYPTION_KEYS to rotate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--install",
            action="store_true",
            help="put the key first in the data dir's key file (only without the env variable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = generate_key()
        if not options["install"]:
            self.stdout.write(key)
            self.stderr.write(
                "To rotate: set FANLOOP_ENCRYPTION_KEYS=<this key>,<current keys>, restart, run "
                "`fanloop rotate_encryption_keys`, then drop the old keys from the list."
            )
            return
        if os.environ.get("FANLOOP_ENCRYPTION_KEYS"):
            raise CommandError(
                "FANLOOP_ENCRYPTION_KEYS is set: put the new key first in it yourself "
                "(run without --install to print one)."
            )
        path = settings.DATA_DIR / "encryption_keys"
        current = (
            [k.strip() for k in path.read_text().split(",") if k.strip()] if path.exists() else []
        )
        path.write_text(",".join([key, *current]))
        path.chmod(0o600)
        self.stdout.write(
            f"Added a new primary key to {path} ({len(current)} older key(s) kept). "
            "Restart fanloop, then run `fanloop rotate_encryption_keys`."
        )
