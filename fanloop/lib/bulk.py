"""Inserting many rows of a model at once, cheaper than ``bulk_create``.

``bulk_create`` compiles one long statement per batch with the ORM's per-value SQL
assembly; on the flow engine's hot path (two step-log rows per journey) that cost more
than the write. ``insert_many`` prepares each value once and runs one parameterised
``INSERT`` through ``executemany``; ``insert_sql`` and ``prepared`` build the same
statement and values for callers that need more (``ON CONFLICT``, ``RETURNING``). Ids
are not set on the objects.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model

CHUNK = 500


@functools.cache
def insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The columns an INSERT writes: every concrete field but the auto primary key."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def insert_sql(model: type[Model], rows: int = 1, suffix: str = "") -> str:
    """``INSERT INTO <table> (<insert_fields>) VALUES (%s, …)`` for ``rows`` rows."""
    ops = connection.ops
    fields = insert_fields(model)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return "INSERT INTO {} ({}) VALUES {} {}".format(  # noqa: S608 - names from the model
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join([one] * rows),
        suffix,
    ).rstrip()


def prepared(model: type[Model], obj: Model) -> list[Any]:
    """The values of ``obj`` for ``insert_sql``, in column order, ready for the driver."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in insert_fields(model)]


def insert_many(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT ``objs`` (every concrete field but the auto primary key), in one transaction."""
    if not objs:
        return
    sql = insert_sql(model)
    rows = [prepared(model, obj) for obj in objs]
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])
