"""Every environment variable that settings read is documented in the README table."""

from __future__ import annotations

import re
from pathlib import Path

import fanloop.settings  # noqa: F401 - importing records every variable read
from fanloop.lib.env import ENV_VARS

README = Path(__file__).resolve().parents[3] / "README.md"


def test_it_documents_every_setting_in_the_readme() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(), re.MULTILINE))
    missing = sorted(set(ENV_VARS) - documented)
    assert not missing, f"settings missing from README's configuration table: {missing}"


def test_it_lists_no_setting_that_does_not_exist() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(), re.MULTILINE))
    assert not sorted(documented - set(ENV_VARS))
