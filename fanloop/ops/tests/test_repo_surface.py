"""The repository's surface agrees with itself: the README's map of the code, the pytest
configuration, ``make bench``, the lock files and the code comments."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
FAN = "fanloop (pyproject.toml)"


def _tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *patterns],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


# --- README "What is here" ------------------------------------------------------------


def _what_is_here() -> dict[str, str]:
    """The table's rows: ``where`` → ``area``."""
    section = (ROOT / "README.md").read_text().split("## What is here", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| `([^`]+)` \|", section, re.MULTILINE)
    return {where: area for area, where in rows}


def test_the_readme_maps_every_app_and_top_level_package() -> None:
    listed = set(_what_is_here())
    packages = {f"fanloop/{path.parent.name}/" for path in (ROOT / "fanloop").glob("*/__init__.py")}
    packages |= {"emulator/", "bench/"}
    missing = sorted(packages - listed)
    assert not missing, f"README 'What is here' has no row for {missing}"


def test_every_place_the_readme_maps_exists() -> None:
    gone = sorted(where for where in _what_is_here() if not (ROOT / where).exists())
    assert not gone, f"README 'What is here' names missing paths: {gone}"


# --- pytest and make ------------------------------------------------------------------------


def test_every_pytest_testpath_exists_and_holds_tests() -> None:
    for testpath in PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"]:
        folder = ROOT / testpath
        assert folder.is_dir(), f"pytest testpaths names a missing folder: {testpath}"
        assert any(folder.rglob("test_*.py")), f"no test modules under {testpath}"


def test_make_bench_runs_every_benchmark() -> None:
    benches = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "bench").glob("*.py")
        if not path.name.startswith("_")
    )
    assert benches
    # -n prints the commands without running them.
    printed = subprocess.run(
        ["make", "-n", "-s", "bench"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    ran = set(re.findall(r"bench/[A-Za-z0-9_]+\.py", printed))
    assert set(benches) <= ran, f"make bench skips {sorted(set(benches) - ran)}"
    assert not {b for b in ran if b.split("/")[1].startswith("_")}, "helpers are not benchmarks"


# --- lock files ---------------------------------------------------------------------------


def _name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    assert name is not None
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def _direct(lock: Path) -> set[str]:
    """Packages a lock file pins because pyproject.toml asks for them."""
    direct: set[str] = set()
    name = ""
    for line in lock.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==", line):
            name = _name(match.group(1))
        elif line.strip() in {f"# via {FAN}", f"#   {FAN}"}:
            direct.add(name)
    return direct


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", []), ("requirements-dev.lock", ["dev"])]
)
def test_lock_files_pin_as_direct_exactly_what_pyproject_declares(
    lock: str, extras: list[str]
) -> None:
    project = PYPROJECT["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        declared |= {_name(r) for r in project["optional-dependencies"][extra]}
    assert _direct(ROOT / lock) == declared


# --- comments -------------------------------------------------------------------------------

# What the code explains must stand on its own: no pointers to tickets or to the work that
# wrote it (the phrases are in test_the_comment_check_catches below).
REFERENCE = re.compile(
    r"\b(the|this|that|an|our)\s+(issue|ticket|brief)s?\b|\bissues?\s*#\s*\d|"
    r"\b\w+-issue\b|\bissue's\b|\b(this|our|as the|per the)\s+task\b|\btask's\b",
    re.IGNORECASE,
)
# Places allowed to keep such a comment for now (none); each entry must still match, so
# the list empties as they are reworded.
PENDING: set[str] = set()


def _python_comments(path: Path) -> list[tuple[int, str]]:
    """Comments and docstrings of a Python file, with their line numbers."""
    source = path.read_text(encoding="utf-8")
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                found.append((node.body[0].lineno, doc))
    return found


def _other_comments(path: Path) -> list[tuple[int, str]]:
    marker = {".sh": "#", ".toml": "#", ".js": "//", ".css": "/*", ".html": "{#"}.get(
        path.suffix, "#"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if marker in line]


def _references() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _tracked("*.py"):
        for line, text in _python_comments(path):
            if REFERENCE.search(text):
                found.setdefault(path.relative_to(ROOT).as_posix(), []).append(f"{line}")
    others = _tracked("*.sh", "*.toml", "Makefile", "*.js", "*.css", "*.html")
    for path in others:
        if path.name.endswith(".min.js"):
            continue  # vendored, minified
        for line, text in _other_comments(path):
            if REFERENCE.search(text):
                found.setdefault(path.relative_to(ROOT).as_posix(), []).append(f"{line}")
    return found


def test_no_comment_refers_to_an_issue_or_a_task() -> None:
    found = _references()
    unexpected = {path: lines for path, lines in found.items() if path not in PENDING}
    assert not unexpected, f"comments that point at tickets or tasks: {unexpected}"
    reworded = sorted(PENDING - set(found))
    assert not reworded, f"reworded: remove {reworded} from PENDING"


@pytest.mark.parametrize(
    "comment",
    [
        "# Goals of the issue.",
        "# Fan event kinds (the issue's trigger list).",
        "# see issue #12",
        "# the contract in ``flows-issue``'s send_email",
        "# as the task asks",
    ],
)
def test_the_comment_check_catches(comment: str) -> None:
    assert REFERENCE.search(comment)


@pytest.mark.parametrize(
    "comment",
    [
        "# the emulator issues tokens",
        "# Apple's script announces itself after the current task",
        "# DBOS runs the tasks of a queue",
    ],
)
def test_the_comment_check_lets_ordinary_words_through(comment: str) -> None:
    assert not REFERENCE.search(comment)
