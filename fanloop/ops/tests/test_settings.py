"""Settings: safe defaults, secret key handling, production refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _settings_probe(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    drop = {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean.update({"FANLOOP_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "-c", f"import fanloop.settings as s; {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_generates_and_keeps_a_local_secret_key(tmp_path: Path) -> None:
    first = _settings_probe(tmp_path, "print(s.SECRET_KEY)")
    second = _settings_probe(tmp_path, "print(s.SECRET_KEY)")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    result = _settings_probe(tmp_path, "pass", FANLOOP_PRODUCTION="true")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_it_defaults_to_sqlite_in_the_data_dir_with_debug_off(tmp_path: Path) -> None:
    result = _settings_probe(
        tmp_path, "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])"
    )
    debug, engine, name = result.stdout.split()
    assert debug == "False"
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "data" / "fanloop.sqlite3")


def test_it_rejects_a_malformed_boolean(tmp_path: Path) -> None:
    result = _settings_probe(tmp_path, "pass", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
