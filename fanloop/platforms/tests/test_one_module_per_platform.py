"""Only a platform's adapter module names it: a string literal equal to a platform key
("spotify"), or starting with one and a colon ("spotify:album:…"), in fanloop's code or
templates fails here with its file and line, outside ``platforms/`` and inside it (where the
adapter modules, those declaring the registry's ``INFOS``, are the only exception). Other
modules ask the registry instead.

Migrations and tests are left out (they record and exercise what the platforms are).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from fanloop.platforms.registry import INFOS, keys

ROOT = Path(__file__).resolve().parents[2]  # the fanloop package
SKIPPED_PARTS = frozenset({"platforms", "tests", "migrations"})
INSIDE_SKIPPED_PARTS = frozenset({"tests", "migrations"})

# Lines allowed to name a platform anyway: none since the catalog's per-platform id columns
# became rows (``catalog.platform_ids``).
ID_COLUMN_LINES: frozenset[tuple[str, str]] = frozenset()


def _names_platform(value: str, platform_keys: tuple[str, ...]) -> bool:
    return any(value == key or value.startswith(f"{key}:") for key in platform_keys)


def _skipped(path: Path, root: Path, skipped: frozenset[str]) -> bool:
    return bool(skipped & set(path.relative_to(root).parts[:-1]))


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


def findings(
    root: Path, platform_keys: tuple[str, ...], skipped: frozenset[str] = SKIPPED_PARTS
) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for path in sorted(root.rglob("*.py")):
        if not _skipped(path, root, skipped):
            found += python_findings(path, root, platform_keys)
    for path in sorted(root.rglob("*.html")):
        if not _skipped(path, root, skipped):
            found += template_findings(path, root, platform_keys)
    return sorted(found)


def unexplained(
    root: Path,
    platform_keys: tuple[str, ...],
    allowed: frozenset[tuple[str, str]],
    skipped: frozenset[str] = SKIPPED_PARTS,
) -> tuple[list[str], list[tuple[str, str]]]:
    """(findings not on an allowed line as "file:line: literal", allowed lines not found)."""
    lines: dict[str, list[str]] = {}
    left: list[str] = []
    used: set[tuple[str, str]] = set()
    for name, number, value in findings(root, platform_keys, skipped):
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


def inside_findings(
    platforms_dir: Path, platform_keys: tuple[str, ...], adapter_files: frozenset[str]
) -> list[str]:
    """Findings inside the platforms app, as "file:line: literal", but in adapter modules."""
    left, _stale = unexplained(platforms_dir, platform_keys, frozenset(), INSIDE_SKIPPED_PARTS)
    return [entry for entry in left if entry.split(":", 1)[0] not in adapter_files]


def adapter_files(platforms_dir: Path) -> frozenset[str]:
    """The files of the modules that declare the registry's INFOS (relative to the app)."""
    files = set()
    for entry in INFOS.values():
        module = sys.modules[entry.build.__module__]
        assert module.__file__ is not None
        files.add(Path(module.__file__).resolve().relative_to(platforms_dir).as_posix())
    return frozenset(files)


def test_inside_platforms_only_the_adapter_modules_name_a_platform() -> None:
    platforms_dir = ROOT / "platforms"
    adapters = adapter_files(platforms_dir)
    assert len(adapters) == len(INFOS)  # one module per platform
    left = inside_findings(platforms_dir, keys(), adapters)
    assert not left, "declare it in the adapter module's INFO:\n" + "\n".join(left)


def test_inside_platforms_it_fails_on_a_planted_literal(tmp_path: Path) -> None:
    (tmp_path / "templates" / "platforms").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "migrations").mkdir()
    (tmp_path / "acme.py").write_text('KEY = "acme"\nuri = f"acme:{kind}:{item}"\n')
    (tmp_path / "services.py").write_text(
        'BUDGET = {"acme": 150}\nwhat = "key id" if platform == "acme" else "client id"\n'
    )
    (tmp_path / "templates" / "platforms" / "app_list.html").write_text(
        '{% if app.platform == "acme" %}x{% endif %}\n'
    )
    (tmp_path / "tests" / "test_acme.py").write_text('KEY = "acme"\n')
    (tmp_path / "migrations" / "0001_initial.py").write_text('CHOICES = [("acme", "Acme")]\n')

    left = inside_findings(tmp_path, ("acme",), frozenset({"acme.py"}))

    assert left == [
        "services.py:1: 'acme'",
        "services.py:2: 'acme'",
        "templates/platforms/app_list.html:1: 'acme'",
    ]
