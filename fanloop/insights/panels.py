"""The release page's link to its funnel and to the artist's leverage table
(registered with ``catalog.panels`` when the app loads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from fanloop.catalog.models import Release


def release_insights(context: Mapping[str, Any], release: Release) -> SafeString:
    return render_to_string(
        "insights/_release_panel.html",
        {"workspace": context.get("workspace"), "release": release},
    )
