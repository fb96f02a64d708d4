"""Subprocess entry points of the flow email chaos test
(``python -m fanloop.flows.tests.chaos_worker``).

``seed N``: a workspace with one active flow (a single email step) and N subscribed fans
who pre-saved, so the engine has N emails to send. ``seed-broadcast N``: N subscribed
fans and a broadcast to them scheduled now (no flow). ``work EXECUTOR``: a real ``fanloop
worker`` whose temporary-error backoff is cut to a second or two (the production one
starts at 30 seconds), so a test can wait for the retries; with ``CHAOS_RESEND_URL`` its
Resend backend talks to the test's stand-in of Resend's API.
"""

from __future__ import annotations

import json
import os
import sys


def seed(count: int) -> dict[str, int]:
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

    owner = User.objects.create_user("chaos@example.org", "pw-123456789")
    workspace = create_workspace("Chaos Records", owner)
    Flow.objects.filter(workspace=workspace).delete()
    artist = Artist.objects.create(workspace=workspace, name="Chaos Artist", slug="chaos")
    release = Release.objects.create(
        artist=artist,
        title="Storm",
        slug="storm",
        release_date=timezone.localdate(),
        release_time_zone="UTC",
        published=True,
    )
    template = EmailTemplate.objects.create(
        workspace=workspace, name="Storm", subject="Storm is out", text_body="{{ release.title }}"
    )
    flow = services.create_flow(
        workspace,
        name="Chaos",
        trigger="presaved",
        steps=[{"id": "e", "type": "email", "template": template.pk}],
    )
    services.activate(flow)
    for index in range(count):
        fan = Fan.objects.create(workspace=workspace, email=f"fan{index}@example.org")
        consent_log.record_consent(fan, "email", True, page="test", confirmed=True)
        record_fan_event(
            fan, FanEventKind.PRESAVED, key=f"chaos:presave:{index}", actor="fan", release=release
        )
    return {"flow": flow.pk, "fans": count}


def seed_broadcast(count: int) -> dict[str, int]:
    """A workspace with no active flow, N subscribed fans in a segment, and a broadcast
    to it scheduled now: the worker's broadcast tick starts it."""
    from fanloop.accounts.models import User
    from fanloop.fans import consent_log
    from fanloop.fans.models import Fan
    from fanloop.flows import broadcasts, segments
    from fanloop.flows.models import Flow
    from fanloop.flows.workspaces import create_workspace
    from fanloop.messaging.models import EmailTemplate

    owner = User.objects.create_user("chaos@example.org", "pw-123456789")
    workspace = create_workspace("Chaos Records", owner)
    Flow.objects.filter(workspace=workspace).delete()
    template = EmailTemplate.objects.create(
        workspace=workspace, name="News", subject="News", text_body="Big news."
    )
    for index in range(count):
        fan = Fan.objects.create(workspace=workspace, email=f"fan{index}@example.org")
        consent_log.record_consent(fan, "email", True, page="test", confirmed=True)
    segment = segments.create_segment(workspace, name="Everyone", rules={})
    broadcast = broadcasts.create_broadcast(
        workspace, name="Chaos", segment=segment, template=template
    )
    broadcasts.schedule_broadcast(broadcast)
    return {"broadcast": broadcast.pk, "fans": count}


def work(executor_id: str) -> None:
    from django.conf import settings

    from fanloop.messaging import sending
    from fanloop.ops.worker import run_worker

    sending.RETRY_BASE_S, sending.RETRY_CAP_S = 1.0, 2.0
    resend = os.environ.get("CHAOS_RESEND_URL", "")
    if resend:  # the stand-in of Resend's API (``messaging/tests/provider_standin.py``)
        settings.ANYMAIL = {"RESEND_API_KEY": "re_chaos", "RESEND_API_URL": resend}
    run_worker(executor_id)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
    django.setup()
    from fanloop.lib.heap import freeze_start_up

    freeze_start_up()  # as ``fanloop`` does: its exit does not walk the start-up heap
    command, *rest = sys.argv[1:]
    if command == "seed":
        print(json.dumps(seed(int(rest[0]))), flush=True)
    elif command == "seed-broadcast":
        print(json.dumps(seed_broadcast(int(rest[0]))), flush=True)
    elif command == "work":
        work(rest[0])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
