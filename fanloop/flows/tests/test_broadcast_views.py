"""Broadcast pages: outsiders 404 (GET and POST, nothing changes or leaves), anonymous
visitors log in, viewers read but neither send nor cancel; an editor composes, previews,
sends a test to themself, sends now and sees the stats; cancel before the start."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Artist
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows import broadcasts, segments
from fanloop.flows.models import Broadcast, BroadcastStatus
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.tests.conftest import Sink

from .test_views_outsiders import BROADCAST_PAGES

pytestmark = pytest.mark.django_db

# name → a write that editors and owners may do
PAGES: dict[str, bool] = {
    "broadcast_list": False,
    "broadcast_create": True,
    "broadcast_detail": False,
    "broadcast_schedule": True,
    "broadcast_cancel": True,
    "broadcast_test": True,
}
NEEDS_BROADCAST = {"broadcast_detail", "broadcast_schedule", "broadcast_cancel", "broadcast_test"}


@pytest.fixture
def template(workspace: Workspace, artist: Artist) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, name="Secret news", subject="Hi {{ fan.name }}", text_body="News!"
    )


@pytest.fixture
def broadcast(workspace: Workspace, template: EmailTemplate) -> Broadcast:
    fan = Fan.objects.create(workspace=workspace, email="fan@example.org", country="GB")
    record_consent(fan, "email", True, page="/t", confirmed=True)
    segment = segments.create_segment(workspace, name="UK", rules={"countries": ["GB"]})
    return broadcasts.create_broadcast(
        workspace, name="Secret launch", segment=segment, template=template
    )


def url(name: str, broadcast: Broadcast) -> str:
    kwargs: dict[str, Any] = {"ws": broadcast.workspace.slug}
    if name in NEEDS_BROADCAST:
        kwargs["pk"] = broadcast.pk
    return reverse(f"flows:{name}", kwargs=kwargs)


def test_every_broadcast_page_is_listed() -> None:
    assert set(PAGES) == BROADCAST_PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_404_for_outsiders(
    outsider_client: Client, smtp_sink: Sink, broadcast: Broadcast, name: str, method: str
) -> None:
    data = {"name": "Hijacked", "segment": broadcast.segment_id, "template": broadcast.template_id}
    response = getattr(outsider_client, method)(url(name, broadcast), data)
    assert response.status_code == 404
    assert b"Secret" not in response.content
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT
    assert list(Broadcast.objects.values_list("name", flat=True)) == ["Secret launch"]
    assert smtp_sink.messages() == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_sends_anonymous_visitors_to_log_in(broadcast: Broadcast, name: str) -> None:
    response = Client().get(url(name, broadcast))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(n for n, write in PAGES.items() if write))
def test_viewers_cannot_send_or_change(
    viewer_client: Client, smtp_sink: Sink, broadcast: Broadcast, name: str
) -> None:
    response = viewer_client.post(url(name, broadcast), {"name": "Mine"})
    assert response.status_code == 403
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT
    assert smtp_sink.messages() == []


def test_viewers_read_without_buttons(viewer_client: Client, broadcast: Broadcast) -> None:
    for name in ("broadcast_list", "broadcast_detail"):
        response = viewer_client.get(url(name, broadcast))
        assert response.status_code == 200
        assert b"Send me a test" not in response.content
        assert b"New broadcast" not in response.content


def test_writes_need_post_and_csrf(editor: User, broadcast: Broadcast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(url("broadcast_schedule", broadcast)).status_code == 405
    assert client.post(url("broadcast_schedule", broadcast)).status_code == 403
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT


def test_compose_test_send_now_and_stats(
    editor_client: Client,
    editor: User,
    smtp_sink: Sink,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    broadcast: Broadcast,
    workspace: Workspace,
) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    create = reverse("flows:broadcast_create", kwargs={"ws": workspace.slug})
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = segments.create_segment(other, name="Theirs", rules={})
    refused = editor_client.post(
        create, {"name": "X", "segment": theirs.pk, "template": broadcast.template_id}
    )
    assert refused.status_code == 400 and "segment" in refused.context["form"].errors

    response = editor_client.post(
        create,
        {"name": "Launch", "segment": broadcast.segment_id, "template": broadcast.template_id},
    )
    launch = Broadcast.objects.get(name="Launch")
    assert response.status_code == 302
    page = editor_client.get(url("broadcast_detail", launch))
    assert page.context["preview"]["text"].startswith("News!")
    assert page.context["audience_now"] == 1

    editor_client.post(url("broadcast_test", launch))
    assert [str(m["To"]) for m in smtp_sink.messages()] == [editor.email]

    editor_client.post(url("broadcast_schedule", launch), {"send_at": ""})
    launch.refresh_from_db()
    assert launch.status == BroadcastStatus.SCHEDULED
    # The page reloads itself until the broadcast has been sent (no script).
    assert b'http-equiv="refresh"' in editor_client.get(url("broadcast_detail", launch)).content
    broadcasts.run(launch.pk)
    page = editor_client.get(url("broadcast_detail", launch))
    assert page.context["stats"].sent == 1
    assert b'http-equiv="refresh"' not in page.content
    assert sorted(str(m["To"]) for m in smtp_sink.messages()) == sorted(
        [editor.email, "fan@example.org"]
    )
    response = editor_client.post(url("broadcast_cancel", launch), follow=True)
    assert b"cannot" in response.content or b"already" in response.content
    launch.refresh_from_db()
    assert launch.status == BroadcastStatus.SENT


def test_cancel_a_scheduled_broadcast(editor_client: Client, broadcast: Broadcast) -> None:
    too_far = {"send_at": "2099-01-01T10:00"}
    response = editor_client.post(url("broadcast_schedule", broadcast), too_far, follow=True)
    assert b"at most a year ahead" in response.content
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT
    when = timezone.now() + dt.timedelta(days=30)
    editor_client.post(url("broadcast_schedule", broadcast), {"send_at": f"{when:%Y-%m-%dT%H:%M}"})
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert broadcast.send_at is not None
    assert broadcast.send_at.replace(second=0, microsecond=0) == when.replace(
        second=0, microsecond=0
    )
    editor_client.post(url("broadcast_cancel", broadcast))
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
