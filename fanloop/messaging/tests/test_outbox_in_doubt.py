"""The outbox shows emails in doubt (a worker stopped while handing them over) apart from
failed and sent ones, says what happens to them with the configured backend, and counts
the emails waiting for the mail server."""

from __future__ import annotations

from django.urls import reverse

from fanloop.messaging.models import MessageStatus, OutboundMessage


def _row(workspace, key: str, status: MessageStatus, **fields) -> OutboundMessage:
    return OutboundMessage.objects.create(
        workspace=workspace, key=key, to=f"{key}@fans.example", subject=key,
        message_id=f"<{key}@fanloop.example>", status=status, **fields,
    )  # fmt: skip


def _outbox(client, workspace, **query) -> str:
    url = reverse("messaging:outbox", kwargs={"ws": workspace.slug})
    return client.get(url, query).content.decode()


def test_in_doubt_is_shown_apart_from_failed_and_sent(viewer_client, workspace, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    _row(workspace, "sent", MessageStatus.SENT)
    _row(workspace, "failed", MessageStatus.FAILED)
    _row(workspace, "doubt", MessageStatus.UNCERTAIN)
    page = _outbox(viewer_client, workspace)
    assert page.count('class="badge doubt"') == 1
    assert page.count('class="badge expired"') == 1 and page.count('class="badge ok"') == 1
    assert "In doubt: may have been sent" in page
    assert "1 email in doubt." in page
    assert "takes no idempotency key, so fanloop does not send it again" in page
    assert "&lt;doubt@fanloop.example&gt;" in page  # its Message-ID, to look up
    only = _outbox(viewer_client, workspace, status="uncertain")
    assert "doubt@fans.example" in only and "failed@fans.example" not in only


def test_with_a_backend_taking_a_key_the_page_says_they_are_retried(
    viewer_client, workspace, settings
):
    settings.EMAIL_BACKEND = "fanloop.messaging.backends.ResendEmailBackend"
    settings.ANYMAIL = {"RESEND_API_KEY": "re_x"}
    _row(workspace, "doubt", MessageStatus.UNCERTAIN)
    _row(workspace, "doubt2", MessageStatus.UNCERTAIN)
    page = _outbox(viewer_client, workspace)
    assert "2 emails in doubt." in page
    assert "Your mail provider takes an idempotency key" in page


def test_no_note_without_emails_in_doubt(viewer_client, workspace):
    _row(workspace, "failed", MessageStatus.FAILED)
    page = _outbox(viewer_client, workspace)
    assert 'id="in-doubt"' not in page and 'id="waiting-for-server"' not in page


def test_emails_waiting_for_the_mail_server_are_counted(viewer_client, workspace):
    _row(workspace, "down", MessageStatus.PENDING, attempts=2)
    _row(workspace, "quiet", MessageStatus.PENDING)  # quiet hours: not the server
    page = _outbox(viewer_client, workspace)
    assert "1 email could not be handed to the mail server" in page


def test_another_workspaces_emails_in_doubt_are_not_counted(
    viewer_client, workspace, other_workspace
):
    _row(other_workspace, "theirs", MessageStatus.UNCERTAIN)
    assert 'id="in-doubt"' not in _outbox(viewer_client, workspace)
