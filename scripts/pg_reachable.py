"""Exit 0 when the PostgreSQL server in argv[1] accepts a connection."""

from __future__ import annotations

import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
