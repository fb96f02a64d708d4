"""A workflow in flight still recovers after its Python function is renamed, because it is
registered under an explicit name (an unnamed one is keyed by the function's name)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("rename_workflow.py")


def _run(tmp_path: Path, *args: str) -> str:
    url = f"sqlite:///{tmp_path / 'dbos.sqlite3'}"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), args[0], args[1], args[2], url, *args[3:]],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    return done.stdout.strip()


def test_it_recovers_a_named_workflow_whose_function_was_renamed(tmp_path: Path) -> None:
    _run(tmp_path, "start", "old_function_name", "named")
    assert _run(tmp_path, "recover", "new_function_name", "named", "30") == "SUCCESS 50"


def test_it_orphans_an_unnamed_workflow_whose_function_was_renamed(tmp_path: Path) -> None:
    """Why the names are explicit: the same rename without one leaves the workflow pending."""
    _run(tmp_path, "start", "old_function_name", "unnamed")
    assert _run(tmp_path, "recover", "new_function_name", "unnamed", "3") == "PENDING None"
