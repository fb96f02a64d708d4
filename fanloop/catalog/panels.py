"""The release page's panels from higher apps (``fanloop.lib.panels``)."""

from __future__ import annotations

from fanloop.catalog.models import Release
from fanloop.lib.panels import Panels

release_panels: Panels[Release] = Panels()
