"""No token or app secret is stored in plain text anywhere: every text column of every table
is scanned with raw SQL for the known plaintext values."""

from __future__ import annotations

from django.db import connection

from fanloop.fans import presaves
from fanloop.fans.oauth_tokens import fresh_tokens

from .conftest import connect, make_app

ACCESS = "AT-plaintext-needle-7f3a"
REFRESH = "RT-plaintext-needle-91bc"
SECRET = "client-secret-needle-4411"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----needle-2ee0"


def _text_columns() -> list[tuple[str, str]]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                type_name = connection.introspection.get_field_type(column.type_code, column)
                if type_name in {"TextField", "CharField", "JSONField"}:
                    found.append((table, column.name))
    return found


def _rows_containing(needle: str) -> list[str]:
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s",
                [f"%{needle}%"],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


def test_it_stores_no_plaintext_token_or_secret(workspace, release):
    app = make_app(workspace, "spotify", client_secret=SECRET)
    make_app(workspace, "applemusic", client_id="apple-1", private_key=PRIVATE_KEY)
    fan, conn = connect(app, "fan1", access=ACCESS, refresh=REFRESH, email="fan@example.org")
    presaves.record_presave(fan, release, "spotify", connection=conn)
    assert len(_text_columns()) > 20  # the scan really sees the schema
    for needle in (ACCESS, REFRESH, SECRET, PRIVATE_KEY):
        assert _rows_containing(needle) == [], needle
    # ...while the application reads them back in plain text.
    assert fresh_tokens(conn).access_token == ACCESS
    assert conn.app.client_secret == SECRET
    assert _rows_containing("fan@example.org")  # the scan does find plain values
