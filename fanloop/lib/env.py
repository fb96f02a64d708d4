"""Typed readers for settings taken from the environment.

Every name read here is remembered in ``ENV_VARS`` so a test can check that
each setting is documented in the README's configuration table.
"""

from __future__ import annotations

import os

ENV_VARS: dict[str, str] = {}


class ImproperlyConfiguredEnv(ValueError):
    """An environment variable holds a value that cannot be used."""


def env_str(name: str, default: str) -> str:
    ENV_VARS[name] = default
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    ENV_VARS[name] = str(default)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    ENV_VARS[name] = str(default)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    ENV_VARS[name] = ",".join(default)
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    ENV_VARS[name] = str(default)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be a number, not {raw!r}") from None
