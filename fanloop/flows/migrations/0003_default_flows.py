"""Existing workspaces get the default flow; the engine starts reading events from now."""

from typing import Any

from django.db import migrations
from django.db.models import Max


def forwards(apps: Any, schema_editor: Any) -> None:
    from fanloop.flows.defaults import build_default_flow

    Workspace = apps.get_model("accounts", "Workspace")
    Flow = apps.get_model("flows", "Flow")
    FlowVersion = apps.get_model("flows", "FlowVersion")
    EmailTemplate = apps.get_model("messaging", "EmailTemplate")
    FanEvent = apps.get_model("analytics", "FanEvent")
    EventCursor = apps.get_model("flows", "EventCursor")
    with_default = Flow.objects.filter(is_default=True).values("workspace_id")
    for workspace_id in Workspace.objects.exclude(pk__in=with_default).values_list(
        "pk", flat=True
    ):
        build_default_flow(
            workspace_id,
            template_model=EmailTemplate,
            flow_model=Flow,
            version_model=FlowVersion,
        )
    # Events recorded before the engine existed do not start journeys (no old emails).
    last = FanEvent.objects.aggregate(n=Max("id"))["n"] or 0
    EventCursor.objects.get_or_create(name="flows", defaults={"last_id": last})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("analytics", "0003_fanevent"),
        ("messaging", "0001_initial"),
        ("flows", "0002_engine_cursor"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
