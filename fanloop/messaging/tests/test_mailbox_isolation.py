"""The demo mailbox shows a workspace exactly the mail sent on its behalf: its outbox rows
and the confirmation / portal links sent to its fans, never account emails (password
reset, invitations) nor another workspace's mail, whoever the recipient is."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from django.test import Client
from django.urls import reverse

from fanloop.accounts import outbox as account_outbox
from fanloop.accounts.models import Role
from fanloop.accounts.services import invite_member
from fanloop.fans.models import Fan
from fanloop.fans.optin import subscribe_email
from fanloop.fans.rights import send_portal_link
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.sending import send_email

from .conftest import subscribed_fan


def _url(route: str, workspace, **kwargs) -> str:
    return reverse(f"messaging:{route}", kwargs={"ws": workspace.slug, **kwargs})


def _shown(client: Client, workspace, sink) -> dict[str, str]:
    """The sink's messages listed on the workspace's mailbox page, name → subject."""
    page = client.get(_url("sink_list", workspace)).content.decode()
    return {
        path.stem: str(message["Subject"])
        for path, message in zip(sorted(sink.folder.glob("*.eml")), sink.messages(), strict=True)
        if f"/email/sink/{path.stem}/" in page
    }


def _names_with_subject(sink, word: str) -> list[str]:
    return [
        path.stem
        for path, message in zip(sorted(sink.folder.glob("*.eml")), sink.messages(), strict=True)
        if word in str(message["Subject"])
    ]


def test_it_never_shows_a_password_reset_to_a_fan_made_from_the_address(
    smtp_sink, settings, owner, workspace, outsider, other_workspace, owner_client
):
    settings.EMAIL_DOUBLE_OPT_IN = True
    # The attacker makes the victim's account address a fan of their own workspace...
    subscribe_email(other_workspace, owner.email, release=None, artist=None, page="/p")
    # ...then asks for a password reset of the victim's account.
    Client().post(reverse("accounts:password_reset"), {"email": owner.email})
    assert account_outbox.send_due() == 1  # the worker sends account emails
    [reset] = _names_with_subject(smtp_sink, "assword")
    attacker = Client()
    attacker.force_login(outsider)

    shown = _shown(attacker, other_workspace, smtp_sink)
    assert len(shown) == 1 and reset not in shown  # the confirmation email only
    assert attacker.get(_url("sink_message", other_workspace, name=reset)).status_code == 404
    # Nor does the victim's own workspace show account emails.
    assert reset not in _shown(owner_client, workspace, smtp_sink)
    assert owner_client.get(_url("sink_message", workspace, name=reset)).status_code == 404


def test_it_never_shows_an_invitation_to_a_fan(smtp_sink, owner, owner_client, workspace, fan):
    invite_member(workspace, fan.email, Role.EDITOR, owner)
    assert len(smtp_sink.messages()) == 1
    assert _shown(owner_client, workspace, smtp_sink) == {}


def test_it_shows_a_pending_confirmation_email_sent_for_the_workspace(
    smtp_sink, settings, owner_client, workspace, other_workspace, outsider
):
    settings.EMAIL_DOUBLE_OPT_IN = True
    # An opt-in on the thank-you page: the address is not a fan's until confirmed.
    fan = Fan.objects.create(workspace=workspace, display_name="Connected")
    subscribe_email(workspace, "pending@fans.example", release=None, artist=None, page="/p",
                    fan=fan)  # fmt: skip
    assert not Fan.objects.filter(email="pending@fans.example").exists()
    [name] = _names_with_subject(smtp_sink, "")
    assert list(_shown(owner_client, workspace, smtp_sink)) == [name]
    attacker = Client()
    attacker.force_login(outsider)
    assert _shown(attacker, other_workspace, smtp_sink) == {}
    assert attacker.get(_url("sink_message", other_workspace, name=name)).status_code == 404


def test_it_shows_a_portal_link_sent_for_the_workspace(smtp_sink, owner_client, workspace, fan):
    send_portal_link(fan)
    [name] = _names_with_subject(smtp_sink, "")
    assert list(_shown(owner_client, workspace, smtp_sink)) == [name]
    page = owner_client.get(_url("sink_message", workspace, name=name)).content.decode()
    assert "Alice Band" in page


def test_it_hides_another_workspaces_mail_to_the_same_address(
    smtp_sink, owner_client, workspace, fan, other_workspace
):
    theirs = subscribed_fan(other_workspace, fan.email)
    their_template = EmailTemplate.objects.create(
        workspace=other_workspace, name="t", subject="Their secret", text_body="hello"
    )
    send_email(fan=theirs, template=their_template, key="theirs")
    [name] = _names_with_subject(smtp_sink, "Their secret")
    assert _shown(owner_client, workspace, smtp_sink) == {}
    assert owner_client.get(_url("sink_message", workspace, name=name)).status_code == 404


def test_a_message_claiming_to_be_the_workspaces_is_not_shown(
    smtp_sink, settings, owner_client, workspace, fan
):
    forged = EmailMessage()
    forged["From"], forged["To"], forged["Subject"] = "x@evil.example", fan.email, "Forged"
    forged["X-Fanloop-Workspace"] = str(workspace.pk)
    forged["Message-ID"] = "<guess@fanloop.example>"
    forged.set_content("hello")
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as smtp:
        smtp.send_message(forged)
    assert len(smtp_sink.messages()) == 1
    assert _shown(owner_client, workspace, smtp_sink) == {}


def test_it_shows_an_in_app_link_email_sent_for_the_workspace(
    smtp_sink, owner_client, workspace, release, outsider, other_workspace
):
    from fanloop.campaigns.inapp import send_link_email

    send_link_email("someone@fans.example", release, "spotify")
    [name] = _names_with_subject(smtp_sink, "")
    assert list(_shown(owner_client, workspace, smtp_sink)) == [name]
    attacker = Client()
    attacker.force_login(outsider)
    assert _shown(attacker, other_workspace, smtp_sink) == {}
