"""Every environment variable fanloop reads is documented in the README's configuration
table: the settings, and any read elsewhere in ``fanloop/`` (the CLI, the demo)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fanloop.settings  # noqa: F401 - importing records every variable read
from fanloop.lib.env import ENV_VARS

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
PACKAGE = ROOT / "fanloop"

# Read from the environment but not settings an operator sets: Django's own variable, and
# the supervisor's note to its children of its process id.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "FANLOOP_WORKER_PARENT"}
ENV_FUNCTIONS = {"env_str", "env_bool", "env_int", "env_float", "env_list"}


def documented() -> set[str]:
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(), re.MULTILINE))


def _literal(node: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return f"<not a literal: {ast.unparse(node)}>"


def environment_reads(source: str) -> set[str]:
    """Names ``source`` reads from the environment: ``os.environ.get(...)``,
    ``os.environ[...]``, ``os.getenv(...)``, ``os.environ.setdefault(...)``, ``... in
    os.environ`` and the ``fanloop.lib.env`` readers. A name held in a module constant is
    resolved; any other expression is reported as not a literal."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            if func in {"os.environ.get", "os.getenv", "os.environ.setdefault", "os.environ.pop"}:
                names.add(_literal(node.args[0], constants))
            elif func in ENV_FUNCTIONS:
                names.add(_literal(node.args[0], constants))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.ctx, ast.Load):
                names.add(_literal(node.slice, constants))
        elif isinstance(node, ast.Compare) and any(
            ast.unparse(c) == "os.environ" for c in node.comparators
        ):
            names.add(_literal(node.left, constants))
    return names


def test_it_documents_every_setting_in_the_readme() -> None:
    missing = sorted(set(ENV_VARS) - documented())
    assert not missing, f"settings missing from README's configuration table: {missing}"


def test_it_documents_every_environment_read_in_fanloop() -> None:
    reads: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.parts or (path.name == "env.py" and path.parent.name == "lib"):
            continue  # tests set up their own processes; lib/env.py is the readers themselves
        for name in environment_reads(path.read_text()):
            reads.setdefault(name, []).append(str(path.relative_to(ROOT)))
    missing = {
        name: where
        for name, where in sorted(reads.items())
        if name not in documented() and name not in NOT_SETTINGS
    }
    assert not missing, f"environment reads missing from README's configuration table: {missing}"


def test_it_finds_environment_reads_of_every_shape() -> None:
    source = (
        "import os\n"
        "KEY = 'FROM_CONSTANT'\n"
        "a = os.environ.get('GET')\n"
        "b = os.getenv('GETENV', 'x')\n"
        "c = os.environ['SUBSCRIPT']\n"
        "d = 'MEMBERSHIP' in os.environ\n"
        "e = os.environ.get(KEY)\n"
        "f = env_int('HELPER', 3)\n"
        "os.environ.setdefault('SETDEFAULT', 'x')\n"
        "g = {**os.environ}\n"
    )
    assert environment_reads(source) == {
        "GET", "GETENV", "SUBSCRIPT", "MEMBERSHIP", "FROM_CONSTANT", "HELPER", "SETDEFAULT",
    }  # fmt: skip


def test_it_lists_no_setting_that_does_not_exist() -> None:
    reads = set(ENV_VARS)
    for path in PACKAGE.rglob("*.py"):
        if "tests" not in path.parts:
            reads |= environment_reads(path.read_text())
    assert not sorted(documented() - reads)
