"""Email templates in the dashboard: list with an artist filter, create and edit (template
errors are form errors, the sandbox refuses file access and |safe), preview in a
sandboxed iframe with a sample or chosen fan, test send through a real SMTP server,
delete refused while a flow uses the email; viewers read but never write."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from fanloop.catalog.services import create_artist
from fanloop.flows.models import Flow, FlowStatus, FlowVersion
from fanloop.messaging.models import EmailTemplate, OutboundMessage
from fanloop.messaging.sending import TEST_SENDS_PER_HOUR

FORM = {
    "name": "Save prompt",
    "artist": "",
    "subject": "Keep {{ release.title }}",
    "text_body": "Hi {{ fan.first_name }}, save it: {{ save_url }}",
    "html_body": "",
}


def _url(name: str, workspace, **kwargs) -> str:
    return reverse(f"messaging:{name}", kwargs={"ws": workspace.slug, **kwargs})


def test_the_list_filters_by_artist(owner_client, workspace, template, artist):
    other = create_artist(workspace, name="Second Act")
    EmailTemplate.objects.create(
        workspace=workspace, artist=other, name="Other artist mail", subject="s", text_body="t"
    )
    page = owner_client.get(_url("template_list", workspace)).content.decode()
    assert "It&#x27;s out" in page and "Other artist mail" in page
    page = owner_client.get(_url("template_list", workspace) + f"?artist={other.pk}").content
    assert b"Other artist mail" in page and b"It&#x27;s out" not in page


def test_an_editor_creates_an_email(editor_client, workspace, artist):
    response = editor_client.post(_url("template_create", workspace), {**FORM, "artist": artist.pk})
    created = EmailTemplate.objects.get(name="Save prompt")
    assert response.status_code == 302
    assert response["Location"] == _url("template_preview", workspace, pk=created.pk)
    assert (created.workspace, created.artist) == (workspace, artist)


@pytest.mark.parametrize(
    ("field", "source", "message"),
    [
        ("subject", "{% if %}", "does not render"),
        ("text_body", "{{ fan.name|nosuchfilter }}", "nosuchfilter"),
        ("html_body", "{% include 'base.html' %}", "include"),
        ("html_body", "{% load static %}", "load"),
        ("html_body", "{{ fan.name|safe }}", "safe"),
        ("text_body", "{% debug %}", "debug"),
    ],
)
def test_template_errors_are_form_errors(owner_client, workspace, field, source, message):
    response = owner_client.post(_url("template_create", workspace), {**FORM, field: source})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmailTemplate.objects.filter(name="Save prompt").exists()


def test_an_artist_of_another_workspace_cannot_be_chosen(owner_client, workspace, other_workspace):
    theirs = create_artist(other_workspace, name="Theirs")
    response = owner_client.post(_url("template_create", workspace), {**FORM, "artist": theirs.pk})
    assert (
        response.status_code == 200
        and not EmailTemplate.objects.filter(name="Save prompt").exists()
    )


def test_an_editor_edits_an_email(editor_client, workspace, template):
    url = _url("template_edit", workspace, pk=template.pk)
    assert editor_client.get(url).status_code == 200
    editor_client.post(url, {**FORM, "name": "Renamed"})
    template.refresh_from_db()
    assert template.name == "Renamed" and template.subject == FORM["subject"]


def test_the_preview_is_sandboxed_and_uses_a_sample_fan(
    viewer_client, workspace, template, release
):
    response = viewer_client.get(_url("template_preview", workspace, pk=template.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="subject">First Light is out</h2>' in page
    srcdoc = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', page)
    assert srcdoc, "the HTML preview is in a sandboxed iframe"
    inner = html.unescape(srcdoc.group(1))
    assert "Hi Alex," in inner and "The Lanterns" in inner
    assert "/e/test/save" in inner  # inert links: a preview never acts on a fan
    assert "Send a test" not in page  # viewers do not send


def test_the_preview_for_a_chosen_fan(owner_client, workspace, template, fan):
    url = _url("template_preview", workspace, pk=template.pk)
    page = owner_client.get(url, {"fan": fan.email}).content.decode()
    assert "Previewing for jo@fans.example" in page and "Hi Jo," in html.unescape(page)
    assert "/a/" not in html.unescape(page)  # still no real action link
    page = owner_client.get(url, {"fan": "stranger@fans.example"}).content.decode()
    assert "No fan of this workspace has that address." in page


def test_the_preview_never_shows_a_fan_of_another_workspace(
    owner_client, workspace, template, other_workspace
):
    from .conftest import subscribed_fan

    subscribed_fan(other_workspace, "secret@fans.example").__class__.objects.filter(
        email="secret@fans.example"
    ).update(display_name="Secret Person")
    url = _url("template_preview", workspace, pk=template.pk)
    page = owner_client.get(url, {"fan": "secret@fans.example"}).content.decode()
    assert "Secret" not in page and "No fan of this workspace" in page


def test_a_test_send_goes_to_the_member_through_smtp(
    smtp_sink, editor_client, workspace, template, editor, release
):
    response = editor_client.post(_url("template_test_send", workspace, pk=template.pk))
    assert response.status_code == 302
    [received] = smtp_sink.messages()
    assert received["To"] == editor.email
    assert received["Subject"] == "[Test] First Light is out"
    body = received.get_body(("plain",)).get_content()
    assert "/e/test/save" in body and "/e/c/" not in body
    row = OutboundMessage.objects.get()
    assert row.is_test and row.status == "sent" and row.fan is None


def test_test_sends_are_rate_limited(settings, owner_client, workspace, template):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = _url("template_test_send", workspace, pk=template.pk)
    for _ in range(TEST_SENDS_PER_HOUR):
        owner_client.post(url)
    response = owner_client.post(url, follow=True)
    assert "wait a little" in response.content.decode()
    assert OutboundMessage.objects.filter(is_test=True).count() == TEST_SENDS_PER_HOUR


def test_delete_asks_then_deletes(owner_client, workspace, template):
    url = _url("template_delete", workspace, pk=template.pk)
    assert b"Delete this email" in owner_client.get(url).content
    assert owner_client.post(url).status_code == 302
    assert not EmailTemplate.objects.filter(pk=template.pk).exists()


def _flow_using(workspace, template, status=FlowStatus.ACTIVE) -> Flow:
    flow = Flow.objects.create(workspace=workspace, name="Progression test", status=status)
    FlowVersion.objects.create(
        flow=flow,
        number=1,
        trigger="presaved",
        steps=[
            {"id": "w1", "type": "wait", "duration_s": 60},
            {"id": "e1", "type": "email", "template": template.pk},
        ],
    )
    return flow


def test_delete_is_refused_while_a_flow_uses_the_email(owner_client, workspace, template):
    _flow_using(workspace, template, FlowStatus.DRAFT)
    url = _url("template_delete", workspace, pk=template.pk)
    assert "Progression test" in owner_client.get(url).content.decode()
    response = owner_client.post(url, follow=True)
    assert "is used by “Progression test”" in response.content.decode()
    assert EmailTemplate.objects.filter(pk=template.pk).exists()


def test_a_stopped_flow_does_not_hold_the_email(owner_client, workspace, template):
    _flow_using(workspace, template, FlowStatus.STOPPED)
    owner_client.post(_url("template_delete", workspace, pk=template.pk))
    assert not EmailTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("template_create", "get"),
        ("template_create", "post"),
        ("template_edit", "get"),
        ("template_edit", "post"),
        ("template_test_send", "post"),
        ("template_delete", "get"),
        ("template_delete", "post"),
    ],
)
def test_viewers_cannot_write(viewer_client, workspace, template, name, method):
    kwargs = {} if name == "template_create" else {"pk": template.pk}
    response = getattr(viewer_client, method)(_url(name, workspace, **kwargs), FORM)
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "It's out" and not OutboundMessage.objects.exists()
    assert EmailTemplate.objects.filter(name="Save prompt").count() == 0


def test_a_template_of_another_workspace_is_404(owner_client, workspace, other_workspace):
    theirs = EmailTemplate.objects.create(
        workspace=other_workspace, name="x", subject="x", text_body="x"
    )
    for name in ("template_preview", "template_edit", "template_delete"):
        assert owner_client.get(_url(name, workspace, pk=theirs.pk)).status_code == 404
    assert owner_client.post(_url("template_delete", workspace, pk=theirs.pk)).status_code == 404
    assert EmailTemplate.objects.filter(pk=theirs.pk).exists()


def test_nothing_in_an_email_runs_on_the_dashboard(owner_client, workspace):
    hostile = EmailTemplate.objects.create(
        workspace=workspace,
        name="<b>x</b>",
        subject="<script>alert(1)</script>",
        text_body="</pre><script>alert(2)</script>",
        html_body='<p>ok</p>"><script>alert(3)</script>',
    )
    page = owner_client.get(_url("template_preview", workspace, pk=hostile.pk)).content.decode()
    assert "<script>" not in page and "<b>x</b>" not in page
