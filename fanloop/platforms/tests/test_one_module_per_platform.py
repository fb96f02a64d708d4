"""No module outside ``platforms/`` names a platform: a string literal equal to a platform
key ("spotify"), or starting with one and a colon ("spotify:album:…"), in fanloop's code or
templates fails here with its file and line. Other apps ask the registry instead.

Migrations and tests are left out (they record and exercise what the platforms are).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fanloop.platforms.registry import keys

ROOT = Path(__file__).resolve().parents[2]  # the fanloop package
SKIPPED_PARTS = frozenset({"platforms", "tests", "migrations"})

# Lines allowed to name a platform anyway: none since the catalog's per-platform id columns
# became rows (``catalog.platform_ids``).
ID_COLUMN_LINES: frozenset[tuple[str, str]] = frozenset()


def _names_platform(value: str, platform_keys: tuple[str, ...]) -> bool:
    return any(value == key or value.startswith(f"{key}:") for key in platform_keys)


def _skipped(path: Path, root: Path) -> bool:
    return bool(SKIPPED_PARTS & set(path.relative_to(root).parts[:-1]))


def python_findings(
    path: Path, root: Path, platform_keys: tuple[str, ...]
) -> list[tuple[str, int, str]]:
    """(file, line, literal) of every string constant in ``path`` that names a platform."""
    source = path.read_text(encoding="utf-8")
    name = path.relative_to(root).as_posix()
    return [
        (name, node.lineno, node.value)
        for node in ast.walk(ast.parse(source, filename=str(path)))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _names_platform(node.value, platform_keys)
    ]


def template_findings(
    path: Path, root: Path, platform_keys: tuple[str, ...]
) -> list[tuple[str, int, str]]:
    """(file, line, literal) of every quoted platform key in a template."""
    names = "|".join(re.escape(key) for key in platform_keys)
    quoted = re.compile(rf"""(["'])((?:{names})(?:\1|:))""")
    name = path.relative_to(root).as_posix()
    return [
        (name, number, found.group(2).rstrip("\"'"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for found in quoted.finditer(line)
    ]


def findings(root: Path, platform_keys: tuple[str, ...]) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for path in sorted(root.rglob("*.py")):
        if not _skipped(path, root):
            found += python_findings(path, root, platform_keys)
    for path in sorted(root.rglob("*.html")):
        if not _skipped(path, root):
            found += template_findings(path, root, platform_keys)
    return sorted(found)


def unexplained(
    root: Path, platform_keys: tuple[str, ...], allowed: frozenset[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    """(findings not on an allowed line as "file:line: literal", allowed lines not found)."""
    lines: dict[str, list[str]] = {}
    left: list[str] = []
    used: set[tuple[str, str]] = set()
    for name, number, value in findings(root, platform_keys):
        if name not in lines:
            lines[name] = (root / name).read_text(encoding="utf-8").splitlines()
        entry = (name, lines[name][number - 1].strip())
        if entry in allowed:
            used.add(entry)
        else:
            left.append(f"{name}:{number}: {value!r}")
    return left, sorted(allowed - used)


def test_it_finds_no_platform_name_outside_platforms() -> None:
    left, stale = unexplained(ROOT, keys(), ID_COLUMN_LINES)
    assert not left, "ask the platforms registry instead of naming a platform:\n" + "\n".join(left)
    assert not stale, f"these lines are gone: remove them from ID_COLUMN_LINES: {stale}"


def test_it_fails_on_a_planted_literal(tmp_path: Path) -> None:
    app = tmp_path / "someapp"
    (app / "templates" / "someapp").mkdir(parents=True)
    (app / "tests").mkdir()
    (app / "migrations").mkdir()
    (app / "rules.py").write_text(
        'LABEL = "Spotify"\n'
        'if platform == "deezer":\n    pass\n'
        'uri = f"spotify:{kind}:{item}"\n'
        'note = "spotify is mentioned in prose"\n'
    )
    (app / "templates" / "someapp" / "page.html").write_text(
        "<p>Tidal</p>\n{% if connection.platform == 'tidal' %}x{% endif %}\n"
    )
    (app / "tests" / "test_rules.py").write_text('KEY = "spotify"\n')
    (app / "migrations" / "0001_initial.py").write_text('KEY = "deezer"\n')

    left, stale = unexplained(tmp_path, ("spotify", "deezer", "tidal"), frozenset())

    assert left == [
        "someapp/rules.py:2: 'deezer'",
        "someapp/rules.py:4: 'spotify:'",
        "someapp/templates/someapp/page.html:2: 'tidal'",
    ]
    assert stale == []


def test_it_allows_a_listed_line_and_reports_a_stale_one(tmp_path: Path) -> None:
    (tmp_path / "ids.py").write_text('FIELDS = {\n    "spotify": "spotify_id",\n}\n')
    allowed = frozenset(
        {("ids.py", '"spotify": "spotify_id",'), ("ids.py", '"deezer": "deezer_id",')}
    )

    left, stale = unexplained(tmp_path, ("spotify", "deezer"), allowed)

    assert left == []
    assert stale == [("ids.py", '"deezer": "deezer_id",')]
