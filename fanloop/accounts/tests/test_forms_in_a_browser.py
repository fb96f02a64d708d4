"""In Chromium, the public account forms submitted from their pages at their real
addresses: log in, reset a forgotten password, and join a workspace from an invitation
(sign-up is in test_signup_in_a_browser.py). Each POST passes Django's CSRF check with
the browser's own Origin, and its effect is checked in the database."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail

from conftest import PASSWORD
from fanloop.accounts import outbox
from fanloop.accounts.models import Membership, Role, User, Workspace
from fanloop.lib.tests.browser_forms import referer_sent_to_third_party, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "a brand new long passphrase"


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.SITE_URL = live_server.url
    settings.REGISTRATION_OPEN = True
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _log_in(page: Any, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))


def test_a_member_logs_in_in_a_browser(
    page: Any, live_server: Any, owner: User, workspace: Workspace
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    _log_in(page, owner.email)
    page.wait_for_url(f"{live_server.url}/w/{workspace.slug}/")
    [session] = Session.objects.all()
    assert session.get_decoded()["_auth_user_id"] == str(owner.pk)


def test_a_member_resets_their_password_in_a_browser(
    page: Any, live_server: Any, owner: User
) -> None:
    page.goto(f"{live_server.url}/accounts/password/reset/")
    page.get_by_label("Email").fill(owner.email)
    submit(page, page.get_by_role("button", name="Send the link"))
    assert not mail.outbox  # the worker sends account email, never the request
    assert outbox.send_due() == 1
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", str(message.body))
    assert link and link.group(0).startswith(live_server.url)
    page.goto(link.group(0))
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    submit(page, page.get_by_role("button", name="Change my password"))
    owner.refresh_from_db()
    assert owner.check_password(NEW)


def test_an_invited_member_joins_in_a_browser(
    page: Any, live_server: Any, invite: Any, outsider: User, workspace: Workspace
) -> None:
    invitation = invite(outsider.email, Role.VIEWER)
    page.goto(f"{live_server.url}/accounts/invite/{invitation.token}/")
    # The address is the invitation: other sites get this site's origin at most.
    assert referer_sent_to_third_party(page) in (None, f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/invite/{invitation.token}/")
    page.get_by_role("link", name="Log in to accept").click()
    page.wait_for_load_state()
    _log_in(page, outsider.email)
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()
    submit(page, page.get_by_role("button", name=f"Join {workspace.name}"))
    assert Membership.objects.get(user=outsider, workspace=workspace).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
