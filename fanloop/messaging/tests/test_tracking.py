"""Click and open tracking: a click token redirects only to the URL it signs (no open
redirect; only http and https), records EMAIL_CLICKED (and the implied open) once per
message; the open pixel counts only while EMAIL_OPEN_TRACKING is on."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.messaging import tokens
from fanloop.messaging.models import OutboundMessage
from fanloop.messaging.sending import send_email
from fanloop.messaging.views import PIXEL


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def sent(fan, template, release):
    return send_email(fan=fan, template=template, key="k", release=release).message


BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_a_click_redirects_to_the_signed_url_and_is_recorded_once(sent, fan):
    url = _path(tokens.click_url(sent.pk, "https://open.spotify.com/album/1?x=1&y=2"))
    client = Client(HTTP_USER_AGENT=BROWSER)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "https://open.spotify.com/album/1?x=1&y=2"
    assert response["Referrer-Policy"] == "no-referrer"
    client.get(url)
    row = OutboundMessage.objects.get(pk=sent.pk)
    assert row.clicked_at is not None and row.opened_at is not None
    clicked = FanEvent.objects.get(kind=FanEventKind.EMAIL_CLICKED)
    assert (clicked.fan_id, clicked.release_id) == (fan.pk, sent.release_id)
    assert clicked.data["url"] == "https://open.spotify.com/album/1?x=1&y=2"
    assert FanEvent.objects.filter(kind=FanEventKind.EMAIL_OPENED).count() == 1


def test_a_tampered_token_does_not_redirect(sent):
    token = tokens.click_url(sent.pk, "https://open.spotify.com/").rsplit("/", 1)[1]
    signature = token.rpartition(":")[2]
    forged = (
        signing.Signer(salt="fanloop.messaging.click")
        .sign_object({"m": sent.pk, "u": "https://evil.example/"}, compress=True)
        .rpartition(":")[0]
    )
    for bad in (f"{forged}:{signature}", token[:-2] + "xx", "nonsense"):
        response = Client().get(f"/e/c/{bad}")
        assert response.status_code == 404
        assert "Location" not in response
    assert not FanEvent.objects.filter(kind=FanEventKind.EMAIL_CLICKED).exists()


def test_a_token_signed_for_another_purpose_does_not_redirect(sent, fan):
    unsubscribe = tokens.unsubscribe_token(fan.pk, sent.pk)
    assert Client().get(f"/e/c/{unsubscribe}").status_code == 404


@pytest.mark.parametrize("target", ["javascript:alert(1)", "//evil.example/", "data:text/html,x"])
def test_only_http_urls_are_ever_redirected_to(sent, target):
    token = signing.Signer(salt="fanloop.messaging.click").sign_object(
        {"m": sent.pk, "u": target}, compress=True
    )
    response = Client().get(f"/e/c/{token}")
    assert response.status_code == 404 and "Location" not in response


def test_a_click_on_a_deleted_message_still_goes_to_its_url(sent):
    url = _path(tokens.click_url(sent.pk, "https://www.deezer.com/album/2"))
    OutboundMessage.objects.all().delete()
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"] == "https://www.deezer.com/album/2"


def test_the_open_pixel_counts_nothing_by_default(sent):
    response = Client(HTTP_USER_AGENT=BROWSER).get(_path(tokens.open_url(sent.pk)))
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert response.content == PIXEL
    assert OutboundMessage.objects.get(pk=sent.pk).opened_at is None
    assert not FanEvent.objects.filter(kind=FanEventKind.EMAIL_OPENED).exists()


def test_the_open_pixel_counts_once_when_on(sent, settings):
    settings.EMAIL_OPEN_TRACKING = True
    url = _path(tokens.open_url(sent.pk))
    Client(HTTP_USER_AGENT=BROWSER).get(url)
    Client(HTTP_USER_AGENT=BROWSER).get(url)
    assert OutboundMessage.objects.get(pk=sent.pk).opened_at is not None
    assert FanEvent.objects.filter(kind=FanEventKind.EMAIL_OPENED).count() == 1


def test_a_bad_pixel_token_is_still_a_gif(sent, settings):
    settings.EMAIL_OPEN_TRACKING = True
    response = Client().get("/e/o/nonsense.gif")
    assert response.status_code == 200 and response.content == PIXEL
    assert not FanEvent.objects.filter(kind=FanEventKind.EMAIL_OPENED).exists()


@pytest.mark.parametrize(
    "agent", ["", "python-requests/2.32", "Mozilla/5.0 (compatible; bingbot/2.0)"]
)
def test_scanners_and_scripts_are_redirected_but_not_counted(sent, settings, agent):
    settings.EMAIL_OPEN_TRACKING = True
    url = _path(tokens.click_url(sent.pk, "https://open.spotify.com/album/1"))
    response = Client(HTTP_USER_AGENT=agent).get(url)
    assert response.status_code == 302
    Client(HTTP_USER_AGENT=agent).get(_path(tokens.open_url(sent.pk)))
    row = OutboundMessage.objects.get(pk=sent.pk)
    assert row.clicked_at is None and row.opened_at is None
    assert not FanEvent.objects.filter(kind__in=["email_clicked", "email_opened"]).exists()
