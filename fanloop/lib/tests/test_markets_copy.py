"""``emulator/markets.py`` is a copy of ``fanloop/lib/markets.py`` (the emulator imports
nothing from fanloop): the two must agree, in their data and in their code."""

from __future__ import annotations

import ast
import zoneinfo
from pathlib import Path
from types import ModuleType

import pytest

import emulator.markets
import fanloop.lib.markets

ORIGINAL = Path(fanloop.lib.markets.__file__)
COPY = Path(emulator.markets.__file__)


def _public(module: ModuleType) -> dict[str, object]:
    return {name: value for name, value in vars(module).items() if not name.startswith("_")}


def _code(source: str) -> str:
    """The module's code without its docstring (where the copy says it is a copy)."""
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[0], ast.Expr):
        if isinstance(tree.body[0].value, ast.Constant):
            tree.body = tree.body[1:]
    return ast.dump(tree)


def differences(original: str, copy: str) -> list[str]:
    """How the copy's source differs from the original's, in data or code."""
    found: list[str] = []
    namespaces = []
    for source in (original, copy):
        module = ModuleType("markets")
        exec(compile(source, "markets.py", "exec"), module.__dict__)
        namespaces.append(_public(module))
    names = set(namespaces[0]) | set(namespaces[1])
    for name in sorted(names):
        if name not in namespaces[1]:
            found.append(f"{name} is missing from the copy")
        elif name not in namespaces[0]:
            found.append(f"{name} is only in the copy")
        elif namespaces[0][name] != namespaces[1][name]:
            found.append(f"{name} differs")
    if not found and _code(original) != _code(copy):
        found.append("the code differs")
    return found


def test_the_emulator_s_copy_agrees_with_fanloop_s_markets() -> None:
    assert differences(ORIGINAL.read_text(), COPY.read_text()) == []
    assert _public(emulator.markets) == _public(fanloop.lib.markets)


def test_every_market_zone_exists() -> None:
    zones = [*fanloop.lib.markets.MARKET_TIME_ZONES.values(), fanloop.lib.markets.EARLIEST_ZONE]
    for zone in zones:
        zoneinfo.ZoneInfo(zone)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('"FR": "Europe/Paris"', '"FR": "Europe/Brussels"'), "MARKET_TIME_ZONES differs"),
        (('    "FR": "Europe/Paris",\n', ""), "MARKET_TIME_ZONES differs"),
        (('EARLIEST_ZONE = "Pacific/Kiritimati"', 'EARLIEST_ZONE = "Pacific/Apia"'), None),
        (("\nEARLIEST_ZONE", "\nLATEST_ZONE = 'Etc/GMT+12'\nEARLIEST_ZONE"), None),
        (("\nEARLIEST_ZONE", "\ndef zone(m: str) -> str:\n    return m\n\nEARLIEST_ZONE"), None),
    ],
)
def test_the_check_finds_a_copy_that_drifted(change: tuple[str, str], expected: str | None) -> None:
    original = ORIGINAL.read_text()
    assert change[0] in original
    drifted = original.replace(change[0], change[1], 1)
    found = differences(original, drifted)
    assert found, "a drifted copy passed"
    if expected:
        assert expected in found


def test_the_copy_may_say_it_is_a_copy() -> None:
    original = ORIGINAL.read_text()
    copy = original.replace('"""Market', '"""A copy.\n\nMarket', 1)
    assert copy != original
    assert differences(original, copy) == []
