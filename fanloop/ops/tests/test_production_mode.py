"""Production mode: DEBUG refused, https enforced (redirect, HSTS, secure cookies), and
``fanloop check --deploy`` clean with the required environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]
FANLOOP = str(Path(sys.executable).with_name("fanloop"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser fixture for the test process only.
    drop = {
        "SECRET_KEY", "DEBUG", "DATABASE_URL", "DBOS_SYSTEM_DATABASE_URL", "EMAIL_BACKEND",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("SECURE_")}
    env.update(
        {
            "FANLOOP_DATA_DIR": str(tmp_path / "data"),
            "FANLOOP_PRODUCTION": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FANLOOP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SITE_URL": "https://fans.example.org",
            "ALLOWED_HOSTS": "fans.example.org",
            **extra,
        }
    )
    return env


def _probe(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import fanloop.settings as s; {code}"],
        cwd=ROOT,
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_debug_in_production(tmp_path: Path) -> None:
    result = _probe(tmp_path, "print(s.DEBUG)", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off when FANLOOP_PRODUCTION is on" in result.stderr
    assert "True" not in result.stdout


def test_production_enforces_https(tmp_path: Path) -> None:
    code = (
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = _probe(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True"]


def test_a_proxy_that_redirects_itself_can_turn_the_redirect_off(tmp_path: Path) -> None:
    result = _probe(tmp_path, "print(s.SECURE_SSL_REDIRECT)", SECURE_SSL_REDIRECT="false")
    assert result.stdout.split() == ["False"]


def test_outside_production_nothing_forces_https(tmp_path: Path) -> None:
    result = _probe(
        tmp_path, "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)", FANLOOP_PRODUCTION="false"
    )
    assert result.stdout.split() == ["False", "0"]


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [FANLOOP, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_http_is_redirected_except_the_health_check(settings, db) -> None:
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code in (200, 503)  # answered, not redirected
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
