"""The send path's writes and reuse: the row is committed as SENDING before the message
leaves and SENT (with its fan event) after; a batch's outbox rows read up front, even
stale, never lead to a second send; compiled templates are reused until the text changes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fans.models import Fan
from fanloop.messaging import rendering, sending_rules
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage
from fanloop.messaging.sending import send_email

from .conftest import msg, on_another_connection


def _committed(pk: int) -> tuple[str, bool]:
    """The row's status and whether its EMAIL_SENT event exists, as another connection
    (another worker) sees them: committed data only."""

    def read() -> tuple[str, bool]:
        status = OutboundMessage.objects.get(pk=pk).status
        return status, FanEvent.objects.filter(key=f"email:{pk}:sent").exists()

    return on_another_connection(read)


class ObservingBackend(EmailBackend):
    """Delivers to ``mail.outbox`` after noting what other connections see of the row."""

    seen: list[tuple[str, bool]] = []

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            pk = int(message.metadata["fanloop_message"])  # type: ignore[attr-defined]
            ObservingBackend.seen.append(_committed(pk))
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_the_row_is_committed_sending_before_the_send_and_sent_after(
    settings, fan: Fan, template: EmailTemplate
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.ObservingBackend"
    ObservingBackend.seen = []
    outcome = send_email(fan=fan, template=template, key="journey:1:step:0")
    assert ObservingBackend.seen == [(MessageStatus.SENDING, False)]
    assert outcome.status == MessageStatus.SENT
    assert _committed(msg(outcome).pk) == (MessageStatus.SENT, True)
    row = OutboundMessage.objects.get()
    assert row.subject == msg(outcome).subject != template.name  # the rendered subject
    event = FanEvent.objects.get(kind=FanEventKind.EMAIL_SENT)
    assert event.fan_id == fan.pk and event.artist_id == template.artist_id
    assert event.data == {"message": row.pk, "template": template.pk, "subject": row.subject}


def test_a_stale_batch_read_missing_the_row_still_sends_once(fan, template):
    first = send_email(fan=fan, template=template, key="k")
    # Read before the first send wrote its row: the key's unique row settles it.
    again = send_email(fan=fan, template=template, key="k", outbox={})
    assert again.status == MessageStatus.SENT and msg(again).pk == msg(first).pk
    assert len(mail.outbox) == 1


def test_a_stale_batch_read_of_a_deferred_row_sent_meanwhile_is_not_sent_again(
    monkeypatch, fan, template
):
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "00:00-23:59")
    deferred = send_email(fan=fan, template=template, key="k")
    assert deferred.status == MessageStatus.PENDING
    stale = OutboundMessage.objects.get(key="k")
    OutboundMessage.objects.filter(key="k").update(status=MessageStatus.SENT)  # elsewhere
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    outcome = send_email(fan=fan, template=template, key="k", outbox={"k": stale})
    assert outcome.status == MessageStatus.SENT
    assert mail.outbox == []


def test_a_batch_read_row_in_sending_becomes_uncertain(fan, template):
    send_email(fan=fan, template=template, key="k")
    OutboundMessage.objects.filter(key="k").update(status=MessageStatus.SENDING)
    row = OutboundMessage.objects.get(key="k")
    outcome = send_email(fan=fan, template=template, key="k", outbox={"k": row})
    assert outcome.status == MessageStatus.UNCERTAIN
    assert OutboundMessage.objects.get(key="k").status == MessageStatus.UNCERTAIN
    assert len(mail.outbox) == 1


def test_a_refusal_is_written_with_the_row_in_one_insert(workspace, template):
    fan = Fan.objects.create(workspace=workspace, email="no@fans.example")
    outcome = send_email(fan=fan, template=template, key="k")
    row = OutboundMessage.objects.get(key="k")
    assert outcome.status == row.status == MessageStatus.NO_CONSENT
    assert row.to == "no@fans.example" and row.subject == template.name


def test_compiled_templates_are_reused_until_the_text_changes(fan, template):
    rendering._compile.cache_clear()
    send_email(fan=fan, template=template, key="a")
    compiled = rendering._compile.cache_info().currsize
    send_email(fan=fan, template=template, key="b")
    assert rendering._compile.cache_info().currsize == compiled
    assert rendering._compile.cache_info().hits >= compiled

    template.text_body = "Changed for {{ fan.first_name }}."
    template.save()
    send_email(fan=fan, template=template, key="c")
    assert "Changed for Jo." in mail.outbox[-1].body
    # Even an unsaved edit (a preview of the form's text) renders the new text.
    template.subject = "Fresh {{ fan.first_name }}"
    assert rendering.render_message(template, {"fan": {"first_name": "Al"}}).subject == "Fresh Al"
