"""``fanloop rotate_encryption_keys``: re-encrypt every encrypted value with the primary key.

Visits every ``EncryptedTextField`` of every model (platform connection tokens, platform
app secrets, ...) in batches, one transaction per batch. Idempotent: values the primary
key already decrypts are left alone, so an interrupted run can simply be started again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from fanloop.lib import crypto


@dataclass
class Counts:
    rotated: int = 0
    current: int = 0
    encrypted: int = 0  # stored in plain text (written around the field): now encrypted
    failed: int = 0


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of FANLOOP_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, options["batch_size"])
        crypto.reset_keys_cache()  # the keys of this process's settings, not a stale cache
        total = Counts()
        failures: list[str] = []
        for model, field in crypto.encrypted_fields():
            counts = self._rotate_column(
                model._meta.db_table, model._meta.pk.column, field.column, batch_size, failures
            )
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(
                f"{label}: {counts.rotated} rotated, {counts.current} already current, "
                f"{counts.encrypted} encrypted from plain text, {counts.failed} undecryptable"
            )
            for name in ("rotated", "current", "encrypted", "failed"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
        self.stdout.write(
            f"Total: {total.rotated} rotated, {total.current} already current, "
            f"{total.encrypted} encrypted from plain text, {total.failed} undecryptable"
        )
        if failures:
            raise CommandError(
                "No configured key decrypts these values (keep their old key in "
                "FANLOOP_ENCRYPTION_KEYS and run again): " + ", ".join(failures[:50])
            )

    def _rotate_column(
        self, table: str, pk: str, column: str, batch_size: int, failures: list[str]
    ) -> Counts:
        quote = connection.ops.quote_name
        t, k, c = quote(table), quote(pk), quote(column)
        first = (
            f"SELECT {k}, {c} FROM {t} WHERE {c} IS NOT NULL AND {c} <> '' ORDER BY {k} LIMIT %s"  # noqa: S608 - quoted names
        )
        after = f"SELECT {k}, {c} FROM {t} WHERE {k} > %s AND {c} IS NOT NULL AND {c} <> '' ORDER BY {k} LIMIT %s"  # noqa: S608,E501 - quoted names
        # Only if unchanged since read: a value rewritten meanwhile is already current.
        update = f"UPDATE {t} SET {c} = %s WHERE {k} = %s AND {c} = %s"  # noqa: S608 - quoted names
        counts = Counts()
        last: Any = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                if last is None:
                    cursor.execute(first, [batch_size])
                else:
                    cursor.execute(after, [last, batch_size])
                rows = cursor.fetchall()
                for row_pk, value in rows:
                    failed_before = counts.failed
                    new = self._new_value(str(value), counts)
                    if counts.failed > failed_before and len(failures) < 1000:
                        failures.append(f"{table}.{column} #{row_pk}")
                    if new is not None:
                        cursor.execute(update, [new, row_pk, value])
            if len(rows) < batch_size:
                return counts
            last = rows[-1][0]

    def _new_value(self, value: str, counts: Counts) -> str | None:
        """The value to write, or None to leave the row alone (current, or undecryptable)."""
        if not value.startswith(crypto.PREFIX):
            counts.encrypted += 1
            return crypto.encrypt(value)
        if crypto.is_current(value):
            counts.current += 1
            return None
        try:
            rotated = crypto.rotate(value)
        except crypto.DecryptionError:
            counts.failed += 1
            return None
        counts.rotated += 1
        return rotated
