"""Whose consent an email needs: its sender's. An email from an artist needs the fan's
email consent for that artist or for the whole workspace, whichever was decided last; an
email from the workspace itself (no artist) needs a workspace-wide one."""

from __future__ import annotations

import pytest
from django.core import mail

from fanloop.fans import consent_log
from fanloop.fans.models import Fan
from fanloop.messaging.models import EmailTemplate, MessageStatus
from fanloop.messaging.sending import send_email

from .conftest import TEXT, msg


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def workspace_template(workspace) -> EmailTemplate:
    return EmailTemplate.objects.create(
        workspace=workspace, artist=None, name="News", subject="News", text_body=TEXT
    )


def _fan(workspace) -> Fan:
    return Fan.objects.create(workspace=workspace, email="jo@fans.example", display_name="Jo")


def test_an_artists_consent_does_not_cover_the_workspaces_email(
    workspace, artist, workspace_template
):
    fan = _fan(workspace)
    consent_log.record_consent(fan, "email", True, page="/p", artist=artist, confirmed=True)
    message = msg(send_email(fan=fan, template=workspace_template, key="k1"))
    assert message.status == MessageStatus.NO_CONSENT
    assert mail.outbox == []


def test_a_withdrawal_for_one_artist_leaves_the_workspaces_email(
    workspace, artist, workspace_template, template
):
    fan = _fan(workspace)
    consent_log.record_consent(fan, "email", True, page="/p", confirmed=True)
    consent_log.record_consent(fan, "email", False, page="/me/", artist=artist)
    news = msg(send_email(fan=fan, template=workspace_template, key="k1"))
    from_artist = msg(send_email(fan=fan, template=template, key="k2"))
    assert (news.status, from_artist.status) == (MessageStatus.SENT, MessageStatus.NO_CONSENT)
    assert [m.subject for m in mail.outbox] == ["News"]
