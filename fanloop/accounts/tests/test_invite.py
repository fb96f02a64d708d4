"""Owners invite people by email with a role; duplicates are resent, members refused."""

from __future__ import annotations

import datetime as dt
import socket

import time_machine
from django.core import mail
from django.utils import timezone

from fanloop.accounts.models import Invitation, Role, Workspace


def _url(workspace: Workspace) -> str:
    return f"/accounts/w/{workspace.slug}/members/invite/"


def test_it_emails_an_invitation_with_a_link(owner_client, workspace, settings):
    settings.SITE_URL = "https://fans.example.com"
    response = owner_client.post(
        _url(workspace), {"email": "New@Example.org", "role": "viewer"}, follow=True
    )
    assert "Invitation sent to new@example.org" in response.content.decode()
    invitation = Invitation.objects.get(workspace=workspace)
    assert invitation.email == "new@example.org"
    assert invitation.role == Role.VIEWER
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert "alice@example.org invited you to Alice Band" in message.subject
    link = f"https://fans.example.com/accounts/invite/{invitation.token}/"
    assert link in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert link in html


def test_it_refuses_an_existing_member(owner_client, workspace, editor):
    response = owner_client.post(_url(workspace), {"email": "BOB@example.org", "role": "owner"})
    assert response.status_code == 200
    assert "bob@example.org is already a member of Alice Band" in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_it_resends_instead_of_duplicating(owner_client, workspace):
    owner_client.post(_url(workspace), {"email": "new@example.org", "role": "viewer"})
    first = Invitation.objects.get()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        owner_client.post(_url(workspace), {"email": "new@example.org", "role": "editor"})
    again = Invitation.objects.get()
    assert again.pk == first.pk and again.token == first.token
    assert again.role == Role.EDITOR
    assert again.sent_at > first.sent_at
    assert len(mail.outbox) == 2


def test_it_throttles_immediate_resends(owner_client, workspace):
    owner_client.post(_url(workspace), {"email": "new@example.org", "role": "viewer"})
    response = owner_client.post(_url(workspace), {"email": "new@example.org", "role": "viewer"})
    assert "An invitation was just sent to new@example.org" in response.content.decode()
    assert len(mail.outbox) == 1


def test_it_rejects_a_bad_email(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"email": "not-an-email", "role": "viewer"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_rejects_a_bad_role(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"email": "a@example.org", "role": "admin"})
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_records_nothing_when_the_mail_server_is_down(owner_client, workspace, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    response = owner_client.post(_url(workspace), {"email": "a@example.org", "role": "viewer"})
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_refuses_editors(editor_client, workspace):
    response = editor_client.post(_url(workspace), {"email": "a@example.org", "role": "owner"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_it_refuses_viewers(viewer_client, workspace):
    response = viewer_client.post(_url(workspace), {"email": "a@example.org", "role": "viewer"})
    assert response.status_code == 403
