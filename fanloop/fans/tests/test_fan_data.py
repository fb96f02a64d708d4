"""Merging, exporting and deleting a fan reach the rows of the apps above fans through the
parts those apps register (fans/fan_data.py): every one of them is registered."""

from __future__ import annotations

from fanloop.fans import fan_data


def test_every_app_keeping_fan_rows_registers_its_part():
    parts = {part.name: part for part in fan_data.parts()}
    assert list(parts) == ["deliveries", "suppressions", "flows", "webhooks", "insights"]
    assert parts["deliveries"].merge and parts["deliveries"].export
    assert parts["flows"].merge and parts["flows"].export
    assert parts["suppressions"].delete
    assert parts["webhooks"].merge and parts["webhooks"].export
