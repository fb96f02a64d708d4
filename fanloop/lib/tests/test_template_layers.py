"""Guard: a template loads tag libraries of its own app or lower apps only (the app order
of docs/ARCHITECTURE.md); a higher app's panel reaches a lower app's page through the
page's view (``fanloop.lib.panels``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "lib", "platforms", "accounts", "catalog", "analytics", "fans", "fulfillment",
    "messaging", "flows", "campaigns", "ops",
]  # fmt: skip
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def _library_apps() -> dict[str, str]:
    """Tag library name -> the app that defines it."""
    return {
        path.stem: path.parts[-3]
        for path in ROOT.glob("*/templatetags/*.py")
        if path.stem != "__init__"
    }


def test_no_template_loads_a_higher_apps_tags() -> None:
    libraries = _library_apps()
    assert libraries, "no tag libraries found: the guard would check nothing"
    wrong = []
    for path in ROOT.glob("*/templates/**/*.html"):
        app = path.relative_to(ROOT).parts[0]
        if app not in ORDER:
            continue
        for names in LOAD.findall(path.read_text()):
            for name in names.split():
                owner = libraries.get(name)
                if owner in ORDER and ORDER.index(owner) > ORDER.index(app):
                    wrong.append(f"{path.relative_to(ROOT)} loads {name} ({owner})")
    assert wrong == []
