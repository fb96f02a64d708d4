"""The release page and the fan view show the panels of the apps above them, registered by
those apps (lib/panels.py), in page order: the pages themselves import none of them."""

from __future__ import annotations

from fanloop.lib import panels


def test_the_release_page_gets_delivery_analytics_and_library_checks():
    assert [p.name for p in panels.panels("catalog.release")] == [
        "delivery",
        "analytics",
        "library_checks",
    ]


def test_the_fan_view_gets_deliveries_and_engagement():
    assert [p.name for p in panels.panels("fans.fan")] == ["deliveries", "engagement"]
