"""The PostgreSQL suite leaves out the tests that use no database: the SQLite suite ran them.

Collection only (no database is reached). This module uses no database itself, so it runs
in the SQLite suite alone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).with_name("suite_split_sample.py")
ROOT = Path(__file__).resolve().parents[3]


def _collected(database_url: str, *options: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *options,
         str(SAMPLE)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return sorted(line.split("::")[1] for line in run.stdout.splitlines() if "::" in line)


EVERY = ["test_pure_arithmetic", "test_with_a_fixture", "test_with_a_live_server",
         "test_with_the_mark"]  # fmt: skip


@pytest.mark.parametrize(
    ("database_url", "options", "expected"),
    [
        ("postgres://postgres@127.0.0.1:5432/unused", (), [t for t in EVERY if "pure" not in t]),
        ("postgres://postgres@127.0.0.1:5432/unused", ("--every-test",), EVERY),
    ],
    ids=["leaves-out-the-pure-test", "every-test-keeps-it"],
)
def test_which_tests_a_suite_runs(
    database_url: str, options: tuple[str, ...], expected: list[str]
) -> None:
    assert _collected(database_url, *options) == expected
