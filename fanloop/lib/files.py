"""Files only fanloop's own user may read: SQLite databases next to the key files."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

PRIVATE = 0o600


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for other databases and in-memory ones."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return None
    path = unquote(parts.path)
    if not path or path in {"/", "/:memory:"} or "mode=memory" in parts.query:
        return None
    return Path(path[1:])  # "//abs/file" is /abs/file, "/rel/file" is rel/file


def make_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing, or take group and other bits away.

    SQLite gives the ``-wal`` and ``-shm`` files it creates the database file's mode, so
    creating the database file first makes all three private.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(mode & 0o700)
        return
    os.close(fd)


def private_sqlite_files(*urls: str) -> None:
    for url in urls:
        path = sqlite_path(url)
        if path is not None:
            make_private(path)
