"""Unsubscribing: the link's GET only asks (mail scanners follow links), a POST with the
RFC 8058 body unsubscribes (from the page's button or a mail client's one-click, no CSRF
token possible): the address is suppressed, every email consent withdrawn, and an
UNSUBSCRIBED fan event recorded for the flow engine."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.fans import consent_log
from fanloop.fans.models import ConsentKind
from fanloop.messaging import tokens
from fanloop.messaging.models import MessageStatus, Suppression
from fanloop.messaging.sending import send_email

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def sent(fan, template, release):
    return send_email(fan=fan, template=template, key="k", release=release).message


@pytest.fixture
def url(fan, sent):
    return tokens.unsubscribe_url(tokens.unsubscribe_token(fan.pk, sent.pk)).removeprefix(
        "http://testserver"
    )


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def _consent_active(fan) -> bool:
    consent = consent_log.current_consents(fan)[ConsentKind.EMAIL]
    return consent_log.consent_is_active(consent)


def test_get_asks_and_changes_nothing(client, url, fan):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe j…@fans.example?" in page and "jo@fans.example" not in page
    assert b'name="List-Unsubscribe" value="One-Click"' in response.content
    assert (
        response["Cache-Control"].startswith("private") and "no-store" in response["Cache-Control"]
    )
    assert not Suppression.objects.exists() and _consent_active(fan)


def test_head_changes_nothing(client, url, fan):
    assert client.head(url).status_code == 200
    assert not Suppression.objects.exists()


def test_one_click_post_unsubscribes(client, url, fan, sent, template, release):
    response = client.post(url, ONE_CLICK)  # no CSRF token, like a mail client
    assert response.status_code == 200
    # The page issues no portal link: whoever holds a forwarded email gets nothing more.
    assert b"unsubscribed" in response.content and b"/me/" not in response.content
    row = Suppression.objects.get()
    assert (row.workspace_id, row.email, row.reason) == (
        fan.workspace_id,
        fan.email,
        "unsubscribed",
    )
    assert not _consent_active(fan)
    # The consent log is shown on the dashboard: it records the page, not the token.
    withdrawn = fan.consents.filter(kind=ConsentKind.EMAIL).latest("pk")
    assert not withdrawn.granted and withdrawn.page == "/u/ (unsubscribe page)"
    event = FanEvent.objects.get(kind=FanEventKind.UNSUBSCRIBED)
    assert event.fan_id == fan.pk and event.release_id == release.pk
    assert event.data == {"message": sent.pk}

    mail.outbox.clear()
    again = send_email(fan=fan, template=template, key="later", release=release)
    assert again.status == MessageStatus.SUPPRESSED and mail.outbox == []


def test_one_click_twice_is_harmless(client, url):
    client.post(url, ONE_CLICK)
    assert client.post(url, ONE_CLICK).status_code == 200
    assert Suppression.objects.count() == 1
    assert FanEvent.objects.filter(kind=FanEventKind.UNSUBSCRIBED).count() == 1


def test_it_withdraws_artist_specific_consents_too(client, workspace, artist, template, release):
    from .conftest import msg, subscribed_fan

    fan = subscribed_fan(workspace, "two@fans.example")
    consent_log.record_consent(fan, "email", True, page="/x", artist=artist, confirmed=True)
    message = msg(send_email(fan=fan, template=template, key="k2", release=release))
    url = tokens.unsubscribe_url(tokens.unsubscribe_token(fan.pk, message.pk))
    client.post(url.removeprefix("http://testserver"), ONE_CLICK)
    assert not consent_log.consent_is_active(
        consent_log.current_consents(fan, artist=artist)[ConsentKind.EMAIL]
    )


def test_a_post_without_the_one_click_body_is_refused(client, url):
    response = client.post(url, {"something": "else"})
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_a_tampered_token_is_refused(client, url):
    assert client.post(url[:-3] + "AAA", ONE_CLICK).status_code == 404
    assert client.get("/u/garbage").status_code == 404
    assert not Suppression.objects.exists()


def test_a_token_of_another_kind_is_refused(client, fan, sent):
    click = tokens.click_url(sent.pk, "https://example.com/").rsplit("/", 1)[1]
    assert client.post(f"/u/{click}", ONE_CLICK).status_code == 404
    assert not Suppression.objects.exists()


def test_a_deleted_fan_gets_a_clear_page(client, url, fan):
    fan.delete()
    response = client.post(url, ONE_CLICK)
    assert response.status_code == 404 and b"no longer on any list" in response.content


def test_the_test_send_link_does_nothing(client, fan):
    url = tokens.unsubscribe_url(tokens.test_unsubscribe_token()).removeprefix("http://testserver")
    response = client.post(url, ONE_CLICK)
    assert response.status_code == 200 and b"test email" in response.content
    assert not Suppression.objects.exists() and _consent_active(fan)


def test_a_new_opt_in_after_unsubscribing_gets_emails_again(client, url, fan, template):
    client.post(url, ONE_CLICK)
    consent_log.record_consent(fan, "email", True, page="/again", confirmed=True)
    assert send_email(fan=fan, template=template, key="again").status == MessageStatus.SENT


def test_unsubscribing_again_after_a_new_opt_in_is_a_new_event(client, url, fan, template):
    client.post(url, ONE_CLICK)
    consent_log.record_consent(fan, "email", True, page="/again", confirmed=True)
    assert send_email(fan=fan, template=template, key="between").status == MessageStatus.SENT
    client.post(url, ONE_CLICK)
    assert FanEvent.objects.filter(kind=FanEventKind.UNSUBSCRIBED).count() == 2
    assert send_email(fan=fan, template=template, key="after").status == MessageStatus.SUPPRESSED


def test_a_bounce_after_an_unsubscribe_is_no_longer_lifted_by_an_opt_in(fan, template):
    from fanloop.messaging.suppressions import suppress_from_provider, unsubscribe

    unsubscribe(fan)
    suppress_from_provider(event_type="bounced", recipient=fan.email, message_pk=None,
                           esp_message_id="", description="550", event_id="b1")  # fmt: skip
    assert Suppression.objects.get().reason == "bounced"
    consent_log.record_consent(fan, "email", True, page="/again", confirmed=True)
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.SUPPRESSED
