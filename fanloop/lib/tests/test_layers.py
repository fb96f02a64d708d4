"""The app layer contract (``[tool.importlinter]`` in pyproject.toml, docs/ARCHITECTURE.md)
holds for the code, and fails as soon as a lower app imports a higher one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the ``fanloop`` package found under ``root``, with its contract."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(
        ROOT / "fanloop",
        root / "fanloop",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.html"),
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_it_keeps_the_contract(tmp_path):
    result = _lint_imports(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_it_fails_on_a_lower_app_importing_a_higher_one(tmp_path):
    root = _copy(tmp_path)
    (root / "fanloop" / "catalog" / "reversed.py").write_text(
        "from fanloop.flows.models import Flow\n\nFLOW = Flow\n"
    )
    result = _lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    assert "fanloop.catalog is not allowed to import fanloop.flows" in result.stdout
    assert "fanloop.catalog.reversed -> fanloop.flows.models" in result.stdout


def test_it_fails_on_a_function_level_import_too(tmp_path):
    root = _copy(tmp_path)
    (root / "fanloop" / "fans" / "reversed.py").write_text(
        "def flow_count() -> int:\n"
        "    from fanloop.flows.models import Flow\n\n"
        "    return Flow.objects.count()\n"
    )
    result = _lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fanloop.fans.reversed -> fanloop.flows.models" in result.stdout
