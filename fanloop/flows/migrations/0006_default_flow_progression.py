"""Existing workspaces whose default flow is still the first one get the progression
that asks pre-savers which track is theirs and follows only fans who acted (a new version:
journeys under way finish on theirs). Edited default flows are left alone."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from fanloop.flows.defaults import upgrade_default_flow

    Flow = apps.get_model("flows", "Flow")
    FlowVersion = apps.get_model("flows", "FlowVersion")
    EmailTemplate = apps.get_model("messaging", "EmailTemplate")
    for flow in Flow.objects.filter(is_default=True).select_related("current_version"):
        upgrade_default_flow(flow, template_model=EmailTemplate, version_model=FlowVersion)


class Migration(migrations.Migration):
    dependencies = [
        ("flows", "0005_trigger_track_saved"),
        ("messaging", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
