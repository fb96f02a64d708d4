"""Inserting many rows of a model at once, cheaper than ``bulk_create``.

``bulk_create`` compiles one long statement per batch with the ORM's per-value SQL
assembly; on the flow engine's hot path (two step-log rows per journey) that cost more
than the write. ``insert_many`` prepares each value once and runs one parameterised
``INSERT`` through ``executemany``. Ids are not set on the objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

CHUNK = 500


def insert_many(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT ``objs`` (every concrete field but the auto primary key), in one transaction."""
    if not objs:
        return
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows: list[list[Any]] = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])
