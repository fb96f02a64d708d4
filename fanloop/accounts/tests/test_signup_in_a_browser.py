"""Sign-up in Chromium: email and workspace name, "check your email", the emailed link,
a password, the new workspace's dashboard; and the lockout page after wrong passwords."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from fanloop.accounts import outbox
from fanloop.accounts.models import Membership, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_musician_signs_up_through_the_emailed_link(
    browser, live_server, settings, artifacts: Path
) -> None:
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("mia@example.org")
    page.get_by_label("Workspace name").fill("Mia and the Moths")
    page.get_by_role("button", name="Email me a link").click()
    page.wait_for_url(f"{live_server.url}/accounts/signup/sent/")
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert not User.objects.exists()

    assert outbox.send_due() == 1
    link = re.search(r"https?://\S+/accounts/signup/finish/\S+/", str(mail.outbox[0].body))
    assert link
    page.goto(link.group(0))
    assert page.get_by_text("Mia and the Moths").first.is_visible()
    page.get_by_label("Choose a password").fill("moths fly at midnight 77")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r".*/w/mia-and-the-moths/$"))
    page.screenshot(path=str(artifacts / "signup-finished.png"), full_page=True)
    user = User.objects.get(email="mia@example.org")
    assert Membership.objects.get(user=user).workspace.name == "Mia and the Moths"
    context.close()


def test_the_lockout_page_is_clear(browser, live_server, owner: User, settings, artifacts: Path):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    for _ in range(4):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(owner.email)
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    assert page.get_by_role("heading", name="Too many failed log-ins").is_visible()
    assert page.get_by_role("link", name="reset it by email").is_visible()
    page.screenshot(path=str(artifacts / "login-locked-out.png"))
    context.close()
