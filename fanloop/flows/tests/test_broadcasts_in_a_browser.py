"""In Chromium: an editor composes a broadcast, reads its preview, sends themself a test
(received at the SMTP sink), sends it now, and reads its stats; another is scheduled and
cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from fanloop.accounts.models import User, Workspace
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows import broadcasts, segments
from fanloop.flows.models import Broadcast, BroadcastStatus
from fanloop.lib.tests.browser_forms import submit
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.tests.conftest import Sink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.SITE_URL = live_server.url
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_editor_composes_tests_sends_and_cancels_broadcasts(
    page: Any, live_server: Any, smtp_sink: Sink, editor: User, workspace: Workspace
) -> None:
    for email in ("a@example.org", "b@example.org"):
        fan = Fan.objects.create(workspace=workspace, email=email, country="GB")
        record_consent(fan, "email", True, page="/t", confirmed=True)
    segments.create_segment(workspace, name="UK fans", rules={"countries": ["GB"]})
    template = EmailTemplate.objects.create(
        workspace=workspace, name="Tour news", subject="On tour", text_body="We are touring."
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    page.goto(f"{live_server.url}/w/{workspace.slug}/broadcasts/")
    page.get_by_role("link", name="New broadcast").click()
    page.wait_for_load_state()
    page.get_by_label("Name").fill("Tour")
    page.get_by_label("To the segment").select_option(label="UK fans")
    page.get_by_label("Email template").select_option(str(template.pk))
    submit(page, page.get_by_role("button", name="Save draft"))
    broadcast = Broadcast.objects.get()
    assert (broadcast.name, broadcast.status) == ("Tour", BroadcastStatus.DRAFT)
    assert "We are touring." in page.content()

    submit(page, page.get_by_role("button", name="Send me a test"))
    assert [str(m["To"]) for m in smtp_sink.messages()] == [editor.email]

    submit(page, page.get_by_role("button", name="Schedule or send now"))
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.SCHEDULED
    broadcasts.run(broadcast.pk)  # what the worker's broadcast workflow does
    page.reload()
    assert page.locator("#stat-sent").inner_text() == "2"
    assert page.locator("#broadcast-status").inner_text() == "Sent"
    assert len(smtp_sink.messages()) == 3

    page.goto(f"{live_server.url}/w/{workspace.slug}/broadcasts/new/")
    page.get_by_label("Name").fill("Later")
    page.get_by_label("To the segment").select_option(label="UK fans")
    page.get_by_label("Email template").select_option(str(template.pk))
    submit(page, page.get_by_role("button", name="Save draft"))
    later = Broadcast.objects.get(name="Later")
    when = timezone.now() + dt.timedelta(days=30)
    page.get_by_label("Send at (UTC)").fill(f"{when:%Y-%m-%dT%H:%M}")
    submit(page, page.get_by_role("button", name="Schedule or send now"))
    later.refresh_from_db()
    assert later.status == BroadcastStatus.SCHEDULED
    submit(page, page.get_by_role("button", name="Cancel this broadcast"))
    later.refresh_from_db()
    assert later.status == BroadcastStatus.CANCELLED
    assert len(smtp_sink.messages()) == 3
