"""Overrides of tuning constants for tests, benchmarks and the demo (``FANLOOP_TUNING``).

Tuning lives in module constants next to the code it tunes, not in settings. A process
started by a test, a benchmark or ``fanloop demo`` (a worker, the web server) gets its
overrides through one variable: ``module.CONSTANT=value`` pairs separated by commas, e.g.
``fanloop.fulfillment.services.BATCH_SIZE=8,fanloop.ops.worker.HEARTBEAT_SECONDS=1``.
Each value is parsed as the type of the constant it replaces; an unknown name is an error.
"""

from __future__ import annotations

import importlib


class TuningError(ValueError):
    """``FANLOOP_TUNING`` names a constant that does not exist, or a value of the wrong type."""


def parse(spec: str) -> list[tuple[str, str, str]]:
    """``(module, CONSTANT, raw value)`` for each pair in ``spec``."""
    pairs: list[tuple[str, str, str]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        target, sep, raw = item.partition("=")
        module, _, name = target.strip().rpartition(".")
        if not sep or not module.startswith("fanloop.") or not name.isupper():
            raise TuningError(f"FANLOOP_TUNING: expected fanloop.module.CONSTANT=value: {item!r}")
        pairs.append((module, name, raw.strip()))
    return pairs


def apply(spec: str) -> None:
    """Set each constant named in ``spec`` (see the module docstring)."""
    for module_name, name, raw in parse(spec):
        module = importlib.import_module(module_name)
        current = getattr(module, name, None)
        if isinstance(current, bool) or not isinstance(current, int | float | str):
            raise TuningError(f"FANLOOP_TUNING: {module_name}.{name} is not a tunable constant")
        try:
            setattr(module, name, type(current)(raw))
        except ValueError as exc:
            raise TuningError(f"FANLOOP_TUNING: {module_name}.{name}={raw!r}: {exc}") from exc


def spec(overrides: dict[str, float | str]) -> str:
    """The ``FANLOOP_TUNING`` value for ``{"fanloop.module.CONSTANT": value}``."""
    return ",".join(f"{name}={value}" for name, value in overrides.items())
