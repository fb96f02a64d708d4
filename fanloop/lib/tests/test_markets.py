"""One market table: fanloop and the emulator (which imports nothing from fanloop) load the
same data file, and the distribution installs it."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tomllib
import zoneinfo
from pathlib import Path

import emulator.markets
import fanloop.lib.markets

ROOT = Path(__file__).resolve().parents[3]


def test_fanloop_and_the_emulator_load_the_same_table() -> None:
    assert emulator.markets.TABLE.resolve() == fanloop.lib.markets.TABLE.resolve()
    assert emulator.markets.MARKET_TIME_ZONES == fanloop.lib.markets.MARKET_TIME_ZONES
    assert len(fanloop.lib.markets.MARKET_TIME_ZONES) > 240
    assert fanloop.lib.markets.MARKET_TIME_ZONES["US"] == "America/New_York"
    assert fanloop.lib.markets.MARKET_TIME_ZONES["AU"] == "Australia/Sydney"


def test_every_market_zone_exists() -> None:
    zones = [*fanloop.lib.markets.MARKET_TIME_ZONES.values(), fanloop.lib.markets.EARLIEST_ZONE]
    for zone in zones:
        zoneinfo.ZoneInfo(zone)


def test_the_emulator_reads_the_table_without_fanloop_s_code(tmp_path: Path) -> None:
    """Installed as the distribution lays it out, with no Python file of fanloop at all."""
    (tmp_path / "emulator").mkdir()
    (tmp_path / "fanloop" / "lib").mkdir(parents=True)
    for name in ("__init__.py", "markets.py"):
        shutil.copy(ROOT / "emulator" / name, tmp_path / "emulator" / name)
    shutil.copy(fanloop.lib.markets.TABLE, tmp_path / "fanloop" / "lib" / "markets.json")
    script = (
        "import json, sys; import emulator.markets as m; "
        "assert not any(n.startswith('fanloop') for n in sys.modules); "
        "print(json.dumps(m.MARKET_TIME_ZONES))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == fanloop.lib.markets.MARKET_TIME_ZONES


def test_the_table_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = config["packages"]["find"]["include"]
    assert any(fnmatch.fnmatch("fanloop.lib", pattern) for pattern in packages)
    patterns = [
        pattern
        for package, globs in config["package-data"].items()
        if package in ("*", "fanloop.lib")
        for pattern in globs
    ]
    assert any(fnmatch.fnmatch(fanloop.lib.markets.TABLE.name, pattern) for pattern in patterns)
