"""The fan page's panels from higher apps (``fanloop.lib.panels``)."""

from __future__ import annotations

from fanloop.fans.models import Fan
from fanloop.lib.panels import Panels

fan_panels: Panels[Fan] = Panels()
