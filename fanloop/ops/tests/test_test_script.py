"""``scripts/test.sh all`` (what ``make test`` and CI run) fails when any check fails, run in a
copy of the repository's scripts with stand-ins for the tools that log their calls."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ("ruff", "deptry", "lint-imports", "mypy", "pytest")


def _tree(tmp_path: Path, failing: str = "(none)") -> Path:
    """A tree with the real ``scripts/test.sh``; each stand-in tool appends its arguments to
    ``calls`` and fails when its command line is ``failing``."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test.sh", tmp_path / "scripts" / "test.sh")
    stubs = {
        "scripts/ensure-chromium.sh": "exit 0",
        ".venv/bin/python": "exit 1",  # scripts/pg_reachable.py: PostgreSQL is not reachable
    }
    for tool in TOOLS:
        stubs[f".venv/bin/{tool}"] = (
            f'echo "{tool} $*" >> "{tmp_path}/calls"\n'
            f'[[ "{tool} $*" != "{failing}"* ]] || {{ echo "{tool} failed"; exit 1; }}'
        )
    for name, body in stubs.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(0o755)
    return tmp_path


def _run(tree: Path, side_by_side: bool = False) -> tuple[int, list[str]]:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["FANLOOP_TEST_SIDE_BY_SIDE"] = "1" if side_by_side else "0"
    done = subprocess.run(
        ["bash", "scripts/test.sh", "all"], cwd=tree, env=env, capture_output=True, timeout=60,
        check=False,
    )  # fmt: skip
    calls = (tree / "calls").read_text().splitlines() if (tree / "calls").exists() else []
    return done.returncode, [call.split()[0] for call in calls]


def test_every_check_runs_and_passing_ones_pass(tmp_path: Path) -> None:
    code, calls = _run(_tree(tmp_path))
    assert code == 0
    assert calls[:4] == ["ruff", "ruff", "deptry", "lint-imports"]
    assert sorted(calls[4:]) == ["mypy", "pytest"]  # side by side, mypy at the lowest priority


@pytest.mark.parametrize("failing", ["ruff check", "ruff format", "deptry", "lint-imports"])
def test_a_failed_lint_stops_the_run_before_the_suites(tmp_path: Path, failing: str) -> None:
    code, calls = _run(_tree(tmp_path, failing))
    assert code != 0
    assert "pytest" not in calls


@pytest.mark.parametrize("failing", ["mypy", "pytest"])
def test_a_failed_type_check_or_suite_fails_the_run(tmp_path: Path, failing: str) -> None:
    code, calls = _run(_tree(tmp_path, failing))
    assert code != 0
    assert {"mypy", "pytest"} <= set(calls)


@pytest.mark.parametrize("failing", ["ruff check", "deptry", "mypy", "pytest"])
def test_side_by_side_a_failed_check_fails_the_run(tmp_path: Path, failing: str) -> None:
    code, calls = _run(_tree(tmp_path, failing), side_by_side=True)
    assert code != 0
    assert failing.split()[0] in calls
