"""The template sandbox's limits: filters and tags that could blow up are not available,
and a render stops at the output, work, loop and time limits — with a clear error on
save, preview and test send, and a failed message (not a failed worker) on a real send.
``{% autoescape off %}`` is refused: a fan's name stays escaped in HTML emails."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fanloop.flows.defaults import DEFAULT_TEMPLATES
from fanloop.messaging import sandbox
from fanloop.messaging.models import EmailTemplate, MessageStatus
from fanloop.messaging.rendering import check_template
from fanloop.messaging.sending import EmailRequest, send_emails

from .conftest import subscribed_fan

FORM = {"name": "Blowup", "artist": "", "subject": "Hi", "text_body": "Hi", "html_body": ""}
LOOP = (
    "{% for a in '" + "x" * 200 + "' %}{% for b in '" + "x" * 200 + "' %}.{% endfor %}{% endfor %}"
)
BLOWUPS = [
    ("stringformat", '{{ 1|stringformat:"020000000d" }}', "stringformat"),
    ("ljust", '{{ "x"|ljust:"40000000" }}', "ljust"),
    ("center", '{{ "x"|center:"40000000" }}', "center"),
    ("floatformat", '{{ "9e99999999"|floatformat }}', "floatformat"),
    ("lorem", "{% lorem 9999999 w %}", "lorem"),
    ("loops", LOOP, "Loops run more than 10000 times"),
    (
        "join",
        "{{ '" + "x" * 2000 + "'|make_list|join:'" + "y" * 2000 + "' }}",
        "|join would make more than 256 KB",
    ),
    (
        "doubling",
        "{% with a='"
        + "x" * 1000
        + "' %}"
        + "".join("{% with a=a|add:a %}" for _ in range(12))
        + "{{ a }}"
        + "{% endwith %}" * 13,
        "|add makes more than 256 KB",
    ),
    (
        "output",
        "{% for a in '" + "x" * 100 + "' %}" + "y" * 3000 + "{% endfor %}",
        "larger than 256 KB",
    ),
    (
        "work",
        "{% for a in '" + "x" * 5000 + "' %}" + "y" * 300 + "{% endfor %}",
        "more than 1024 KB of text",
    ),
]


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"messaging:{name}", kwargs={"ws": workspace.slug, **kwargs})


def _stored(workspace, text: str) -> EmailTemplate:
    """A template saved before these limits existed (written past ``save_template``)."""
    return EmailTemplate.objects.create(
        workspace=workspace, name="Old", subject="Hi {{ fan.first_name }}", text_body=text
    )


@pytest.mark.parametrize(("source", "message"), [b[1:] for b in BLOWUPS],
                         ids=[b[0] for b in BLOWUPS])  # fmt: skip
def test_it_refuses_to_save_a_template_that_blows_up(editor_client, workspace, source, message):
    response = editor_client.post(_url("template_create", workspace), {**FORM, "text_body": source})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmailTemplate.objects.filter(name="Blowup").exists()


def test_the_31_byte_template_is_refused(workspace):
    source = '{{1|stringformat:"020000000d"}}'
    assert len(source.encode()) == 31
    with pytest.raises(ValidationError, match="stringformat"):
        check_template(EmailTemplate(workspace=workspace, name="n", subject="s", text_body=source))


def test_a_render_stops_at_the_time_limit(monkeypatch, workspace):
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.0)
    template = EmailTemplate(
        workspace=workspace,
        name="n",
        subject="s",
        text_body="{% for a in '" + "x" * 100 + "' %}{{ a }}{% endfor %}",
    )
    with pytest.raises(ValidationError, match="longer than 0 seconds"):
        check_template(template)


def test_the_preview_shows_the_limit(viewer_client, workspace):
    template = _stored(workspace, LOOP)
    page = viewer_client.get(_url("template_preview", workspace, pk=template.pk)).content.decode()
    assert "This email cannot be rendered:" in page
    assert "Loops run more than 10000 times" in page


def test_a_test_send_is_refused_with_the_limit(smtp_sink, editor_client, workspace):
    template = _stored(workspace, LOOP)
    response = editor_client.post(
        _url("template_test_send", workspace, pk=template.pk), follow=True
    )
    assert "Loops run more than 10000 times" in response.content.decode()
    assert smtp_sink.messages() == []


def test_a_real_send_fails_that_message_only(smtp_sink, workspace, fan, template):
    bad = _stored(workspace, LOOP)
    other = subscribed_fan(workspace, "other@fans.example")
    outcomes = send_emails([EmailRequest(fan, bad, "bad"), EmailRequest(other, template, "good")])
    failed = outcomes["bad"]
    assert failed.status == MessageStatus.FAILED and failed.message is not None
    assert "Loops run more than 10000 times" in failed.message.detail
    assert outcomes["good"].status == MessageStatus.SENT
    assert [str(m["To"]) for m in smtp_sink.messages()] == ["other@fans.example"]


@pytest.mark.parametrize("key", sorted(DEFAULT_TEMPLATES))
def test_the_default_templates_pass(workspace, key):
    check_template(EmailTemplate(workspace=workspace, **DEFAULT_TEMPLATES[key]))


def test_autoescape_off_is_refused(editor_client, workspace):
    source = "{% autoescape off %}{{ fan.name }}{% endautoescape %}"
    response = editor_client.post(_url("template_create", workspace), {**FORM, "html_body": source})
    assert response.status_code == 200 and "autoescape" in response.content.decode()
    assert not EmailTemplate.objects.filter(name="Blowup").exists()


def test_a_fan_name_stays_escaped_in_a_sent_html_email(smtp_sink, workspace, template):
    fan = subscribed_fan(workspace, "x@fans.example")
    fan.display_name = "<b>Bold</b> Fan"
    fan.save()
    EmailTemplate.objects.filter(pk=template.pk).update(
        html_body="<p>Hi {% autoescape off %}{{ fan.name }}{% endautoescape %}</p>"
    )
    template.refresh_from_db()
    outcome = send_emails([EmailRequest(fan, template, "k")])["k"]
    assert outcome.status == MessageStatus.FAILED  # the sandbox has no such tag any more
    assert smtp_sink.messages() == []
    EmailTemplate.objects.filter(pk=template.pk).update(html_body="<p>Hi {{ fan.name }}</p>")
    template.refresh_from_db()
    send_emails([EmailRequest(fan, template, "k2")])
    [sent] = smtp_sink.messages()
    html_part = sent.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "&lt;b&gt;Bold&lt;/b&gt; Fan" in html and "<b>Bold</b>" not in html
