"""In a real browser against a real server and SMTP sink: a member writes an email, sees
it previewed in the sandboxed frame and sends a test to themself; a fan opens the
unsubscribe link of a flow email, is only asked, confirms, and is unsubscribed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.messaging.models import EmailTemplate, Suppression
from fanloop.messaging.sending import send_email

from .conftest import Sink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_writes_previews_and_test_sends_an_email(
    browser, live_server, settings, smtp_sink: Sink, owner: User, workspace: Workspace,
    release: Release, artifacts: Path,
) -> None:  # fmt: skip
    settings.SITE_URL = live_server.url
    base = f"{live_server.url}/w/{workspace.slug}/email"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/w/{workspace.slug}/")

    page.goto(f"{base}/new/")
    page.get_by_label("Name").fill("Save prompt")
    page.get_by_label("Artist").select_option(label="The Lanterns")
    page.get_by_label("Subject").fill("Keep {{ release.title }}")
    page.locator("#id_text_body").fill("Hi {{ fan.first_name }}, keep it: {{ save_url }}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/email/\d+/$"))
    assert page.get_by_role("heading", name="Keep First Light").is_visible()
    frame = page.frame_locator("iframe[title='HTML version']")
    assert frame.get_by_text("Hi Alex, keep it:").is_visible()
    assert frame.get_by_text("The Lanterns").first.is_visible()
    page.screenshot(path=str(artifacts / "email-preview.png"), full_page=True)

    page.get_by_role("button", name=f"Send a test to {owner.email}").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Test email sent to {owner.email}.").is_visible()
    [received] = smtp_sink.messages()
    assert received["To"] == owner.email and received["Subject"] == "[Test] Keep First Light"
    context.close()


def test_a_fan_unsubscribes_from_the_link_in_an_email(
    browser, live_server, settings, smtp_sink: Sink, fan: Fan, template: EmailTemplate,
    release: Release, artifacts: Path,
) -> None:  # fmt: skip
    settings.SITE_URL = live_server.url
    assert send_email(fan=fan, template=template, key="k", release=release).status == "sent"
    [received] = smtp_sink.messages()
    link = re.search(r"<(http[^>]+/u/[^>]+)>", received["List-Unsubscribe"])
    assert link is not None

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(link.group(1))
    assert page.get_by_role("heading", name="Unsubscribe j…@fans.example?").is_visible()
    assert not Suppression.objects.exists()  # opening the link only asks
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="You're unsubscribed").is_visible()
    page.screenshot(path=str(artifacts / "email-unsubscribed.png"), full_page=True)
    assert Suppression.objects.get().email == fan.email
    # The page issues no portal link: that lives in the emails themselves.
    assert page.locator("a[href*='/me/']").count() == 0
