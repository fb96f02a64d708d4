"""The page meets the basics of WCAG AA: language, landmarks, labels, alt text, contrast."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fanloop.campaigns.pages import inline_assets
from fanloop.catalog.models import Release


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colors(theme: str) -> dict[str, str]:
    """The colour variables of the dark look (``:root``), or of the light one (``:root``
    overridden by ``body.light``)."""
    css = inline_assets().css

    def block(selector: str) -> dict[str, str]:
        match = re.search(re.escape(selector) + r"\{([^}]*)\}", css)
        assert match, selector
        return dict(re.findall(r"--([a-z-]+):(#[0-9a-f]{6})", match.group(1)))

    colors = block(":root")
    if theme == "light":
        colors.update(block("body.light"))
    return colors


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize(
    ("text", "background"), [("fg", "bg"), ("muted", "bg"), ("btn-fg", "btn"), ("bg", "focus")]
)
def test_it_has_aa_contrast(theme: str, text: str, background: str) -> None:
    colors = _colors(theme)
    assert _contrast(colors[text], colors[background]) >= 4.5


def test_each_platform_button_has_aa_contrast() -> None:
    rules = re.findall(
        r"\.p-(\w+)\{background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})\}", inline_assets().css
    )
    assert len(rules) >= 3
    for _, background, text in rules:
        assert _contrast(text, background) >= 4.5


def test_it_has_language_landmarks_and_a_heading(release: Release) -> None:
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert '<html lang="en">' in html
    assert html.count("<main>") == 1
    assert "<footer>" in html
    assert html.count("<h1") == 1
    assert '<section aria-labelledby="presave-h">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_it_has_a_visible_focus_style() -> None:
    assert "a:focus-visible" in inline_assets().css
    assert "outline:3px solid" in inline_assets().css


def test_it_hides_the_decorative_placeholder_from_screen_readers(release: Release) -> None:
    html = Client().get("/nova-lights/midnight-signal").content.decode()
    assert '<div class="art noart" aria-hidden="true">M</div>' in html
