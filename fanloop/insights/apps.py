from __future__ import annotations

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "fanloop.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Panels and fan-rights parts use models: registered once the app registry is ready.
        from fanloop.catalog.panels import release_panels
        from fanloop.fans.fan_data import FanData
        from fanloop.fans.fan_data import register as register_part
        from fanloop.flows.scoring import register_points
        from fanloop.insights import calibration, panels, rollup

        register_part(FanData("insights", merge=rollup.merge_fans, delete=rollup.forget_fan))
        register_points("insights", calibration.points_of)
        release_panels.register("insights", 25, panels.release_insights)
