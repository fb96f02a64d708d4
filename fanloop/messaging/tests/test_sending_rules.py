"""Each workspace's own frequency cap and quiet hours: set by editors and owners on the
"Sending rules" page (viewers read it), checked with clear errors, and read by the send
pipeline per workspace; a workspace that set none follows the install's defaults
(``sending_rules.DEFAULT_CAP``, ``DEFAULT_WINDOW_HOURS``, ``DEFAULT_QUIET_HOURS``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.messaging import sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage, SendingRules
from fanloop.messaging.sending import send_email
from fanloop.messaging.sending_rules import rules_of, save_rules

from .conftest import msg, subscribed_fan

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NIGHT_IN_BERLIN = dt.datetime(2026, 6, 1, 21, 30, tzinfo=UTC)  # 23:30 CEST


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _url(workspace: Workspace) -> str:
    return reverse("messaging:sending_rules", kwargs={"ws": workspace.slug})


def _template_of(workspace: Workspace) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, name="Hi", subject="Hi", text_body="Hello {{ fan.first_name }}"
    )


def test_a_workspace_without_its_own_rules_follows_the_install(workspace, monkeypatch):
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 5)
    monkeypatch.setattr(sending_rules, "DEFAULT_WINDOW_HOURS", 24)
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "22:00-07:00")
    rules = rules_of(workspace)
    assert (rules.cap, rules.window, rules.own) == (5, dt.timedelta(hours=24), False)
    assert rules.quiet_hours == (dt.time(22), dt.time(7))


def test_quiet_hours_are_per_workspace(workspace, template, other_workspace):
    """The install has none (conftest); this workspace sets its own: its fan waits, the
    other workspace's fan at the same instant and place gets the email."""
    save_rules(workspace, frequency_cap=3, frequency_window_hours=72,
               quiet_start=dt.time(22), quiet_end=dt.time(8))  # fmt: skip
    ours = subscribed_fan(workspace, "ours@fans.example", country="DE")
    theirs = subscribed_fan(other_workspace, "theirs@fans.example", country="DE")
    waiting = send_email(fan=ours, template=template, key="a", now=NIGHT_IN_BERLIN)
    assert waiting.status == MessageStatus.PENDING
    assert waiting.retry_at == dt.datetime(2026, 6, 2, 6, 0, tzinfo=UTC)  # 08:00 CEST
    sent = send_email(
        fan=theirs, template=_template_of(other_workspace), key="b", now=NIGHT_IN_BERLIN
    )
    assert sent.status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [["theirs@fans.example"]]


def test_the_frequency_cap_is_per_workspace(workspace, template, other_workspace):
    save_rules(workspace, frequency_cap=1, frequency_window_hours=24,
               quiet_start=None, quiet_end=None)  # fmt: skip
    ours = subscribed_fan(workspace, "ours@fans.example")
    theirs = subscribed_fan(other_workspace, "theirs@fans.example")
    other_template = _template_of(other_workspace)
    first = send_email(fan=ours, template=template, key="a1")
    assert first.status == MessageStatus.SENT
    capped = send_email(fan=ours, template=template, key="a2")
    assert capped.status == MessageStatus.CAPPED
    sent_at = msg(first).sent_at
    assert sent_at is not None and capped.retry_at == sent_at + dt.timedelta(hours=24)
    # The other workspace follows the install's cap of 3 (conftest).
    outcomes = [send_email(fan=theirs, template=other_template, key=f"b{i}") for i in range(4)]
    assert [o.status for o in outcomes] == ["sent", "sent", "sent", "capped"]


def test_a_cap_of_zero_means_no_cap(workspace, template):
    save_rules(workspace, frequency_cap=0, frequency_window_hours=1,
               quiet_start=None, quiet_end=None)  # fmt: skip
    fan = subscribed_fan(workspace, "many@fans.example")
    outcomes = [send_email(fan=fan, template=template, key=f"k{i}") for i in range(6)]
    assert {o.status for o in outcomes} == {MessageStatus.SENT}
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 6


def test_an_editor_saves_the_rules(editor_client: Client, workspace):
    page = editor_client.get(_url(workspace))
    assert page.status_code == 200
    assert b"follows the defaults of this fanloop install" in page.content
    response = editor_client.post(
        _url(workspace),
        {"frequency_cap": "2", "frequency_window_hours": "48",
         "quiet_start": "22:30", "quiet_end": "07:15"},
    )  # fmt: skip
    assert response.status_code == 302
    row = SendingRules.objects.get(workspace=workspace)
    assert (row.frequency_cap, row.frequency_window_hours) == (2, 48)
    assert (row.quiet_start, row.quiet_end) == (dt.time(22, 30), dt.time(7, 15))
    again = editor_client.get(_url(workspace))
    assert b'value="22:30"' in again.content and b"follows the defaults" not in again.content


def test_empty_quiet_hours_turn_them_off(owner_client: Client, workspace):
    response = owner_client.post(
        _url(workspace),
        {"frequency_cap": "3", "frequency_window_hours": "72",
         "quiet_start": "", "quiet_end": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert rules_of(workspace).quiet_hours is None


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"frequency_cap": "51"}, "frequency_cap", "less than or equal to 50"),
        ({"frequency_cap": "-1"}, "frequency_cap", "greater than or equal to 0"),
        ({"frequency_window_hours": "0"}, "frequency_window_hours", "greater than or equal to 1"),
        ({"quiet_end": ""}, "quiet_end", "Give both the start and the end"),
        ({"quiet_start": "", "quiet_end": "07:00"}, "quiet_start", "Give both the start"),
        ({"quiet_end": "22:00"}, "quiet_end", "cannot start and end at the same time"),
        ({"quiet_start": "25:00"}, "quiet_start", "Enter a valid time"),
    ],
)
def test_bad_values_are_refused_with_a_clear_error(
    editor_client: Client, workspace, data, field, error
):
    good = {"frequency_cap": "3", "frequency_window_hours": "72",
            "quiet_start": "22:00", "quiet_end": "08:00"}  # fmt: skip
    response = editor_client.post(_url(workspace), {**good, **data})
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert b'role="alert"' in response.content
    assert not SendingRules.objects.exists()


def test_viewers_read_the_rules_but_cannot_change_them(viewer_client: Client, workspace):
    page = viewer_client.get(_url(workspace))
    assert page.status_code == 200
    assert b"Only editors and owners change these." in page.content
    assert b"disabled" in page.content
    response = viewer_client.post(
        _url(workspace),
        {"frequency_cap": "0", "frequency_window_hours": "1", "quiet_start": "", "quiet_end": ""},
    )
    assert response.status_code == 403
    assert not SendingRules.objects.exists()
