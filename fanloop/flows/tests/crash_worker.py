"""Subprocess entry points of the crash test (``python -m fanloop.flows.tests.crash_worker``).

``seed``: a workspace with one active flow (a single email step) and a subscribed fan who
pre-saved, so the engine has exactly one email to send. ``crash EXECUTOR``: a real
``fanloop worker`` whose process dies (``os._exit``) right after the email step's send
returned, before the journey is written or the DBOS step is checkpointed.
"""

from __future__ import annotations

import json
import os
import sys


def seed() -> dict[str, int]:
    from django.utils import timezone

    from fanloop.accounts.models import User
    from fanloop.analytics.fan_events import record_fan_event
    from fanloop.analytics.models import FanEventKind
    from fanloop.catalog.models import Artist, Release
    from fanloop.fans import consent_log
    from fanloop.fans.models import Fan
    from fanloop.flows import services
    from fanloop.flows.models import Flow
    from fanloop.flows.workspaces import create_workspace
    from fanloop.messaging.models import EmailTemplate

    owner = User.objects.create_user("crash@example.org", "pw-123456789")
    workspace = create_workspace("Crash Records", owner)
    Flow.objects.filter(workspace=workspace).delete()
    artist = Artist.objects.create(workspace=workspace, name="Crash Artist", slug="crash")
    release = Release.objects.create(
        artist=artist,
        title="Once",
        slug="once",
        release_date=timezone.localdate(),
        release_time_zone="UTC",
        published=True,
    )
    template = EmailTemplate.objects.create(
        workspace=workspace, name="Once", subject="Sent once", text_body="{{ release.title }}"
    )
    flow = services.create_flow(
        workspace,
        name="Crash",
        trigger="presaved",
        steps=[{"id": "e", "type": "email", "template": template.pk}],
    )
    services.activate(flow)
    fan = Fan.objects.create(workspace=workspace, email="once@example.org")
    consent_log.record_consent(fan, "email", True, page="test", confirmed=True)
    record_fan_event(fan, FanEventKind.PRESAVED, key="crash:presave", actor="fan", release=release)
    return {"flow": flow.pk, "fan": fan.pk}


def crash(executor_id: str) -> None:
    from fanloop.flows import advance
    from fanloop.ops.worker import run_worker

    def die() -> None:
        print("crash-worker: dying right after the send", flush=True)
        os._exit(17)

    advance.after_send = die
    run_worker(executor_id)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
    django.setup()
    from fanloop.lib.heap import freeze_start_up

    freeze_start_up()  # as ``fanloop`` does: its exit does not walk the start-up heap
    command, *rest = sys.argv[1:]
    if command == "seed":
        print(json.dumps(seed()), flush=True)
    elif command == "crash":
        crash(rest[0])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
