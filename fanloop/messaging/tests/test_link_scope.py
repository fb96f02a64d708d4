"""What a sent email's links may do: only links the template's author wrote (or fanloop
built) become signed click redirects, never a URL from fan data; click links expire after
``CLICK_LINK_DAYS`` (an expired one explains itself and redirects nowhere), unsubscribe
links after ``UNSUBSCRIBE_LINK_DAYS``; tokens from before the expiry are honoured only
while their message is that young; the unsubscribe page shows a masked address and
issues no other link."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from fanloop.messaging import tokens
from fanloop.messaging.models import EmailTemplate, OutboundMessage, Suppression
from fanloop.messaging.sending import send_email

from .conftest import msg

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120"
CLICK = re.compile(r"http://testserver/e/c/([^\s\"'<>]+)")
EVIL = "http://evil.example/login"


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def _targets(body: str) -> set[str]:
    return {tokens.read_click_token(unquote(t).rstrip(".,;:!?"))[1] for t in CLICK.findall(body)}


def test_a_url_in_fan_data_never_becomes_a_tracked_redirect(
    smtp_sink, workspace, fan, artist, release
):
    fan.display_name = EVIL
    fan.save()
    template = EmailTemplate.objects.create(
        workspace=workspace,
        artist=artist,
        name="t",
        subject="Hi",
        text_body=(
            "Hi {{ fan.name }}, merch: https://shop.example/merch?a=1.\n"
            "Save: {{ save_url }}\n"
            "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}"
        ),
        html_body=(
            '<p>Hi {{ fan.name }} <a href="{{ fan.name }}">you</a>, '
            '<a href="https://shop.example/merch?a=1&amp;b=2">merch</a> '
            '<a href="{{ save_url }}">save</a></p>'
        ),
    )
    send_email(fan=fan, template=template, key="k", release=release)
    [received] = smtp_sink.messages()
    text = received.get_body(preferencelist=("plain",)).get_content()
    html_body = received.get_body(preferencelist=("html",)).get_content()
    tracked = _targets(text) | _targets(html_body)
    assert EVIL not in tracked
    assert "https://shop.example/merch?a=1" in tracked
    assert "https://shop.example/merch?a=1&b=2" in tracked
    assert any("/a/" in url for url in tracked)  # the one-click save link fanloop built
    assert any(url.endswith("/spotify") for url in tracked)  # a listen link
    assert EVIL in text and EVIL in html_body  # shown as the fan's name, not redirected


def test_the_one_click_track_saves_fanloop_built_are_tracked(
    smtp_sink, workspace, fan, artist, release
):
    """The track prompt's links ("which track is yours?") are fanloop's own one-click
    action links: tracked like the album's save link."""
    from fanloop.catalog.models import Track

    Track.objects.create(release=release, position=1, title="Opener", isrc="USQL12600001")
    Track.objects.create(release=release, position=2, title="Closer", isrc="USQL12600002")
    template = EmailTemplate.objects.create(
        workspace=workspace,
        artist=artist,
        name="tracks",
        subject="Which track is yours?",
        text_body="{% for title, url in track_links %}{{ title }}: {{ url }}\n{% endfor %}",
    )
    send_email(fan=fan, template=template, key="k", release=release)
    [received] = smtp_sink.messages()
    text = received.get_body(preferencelist=("plain",)).get_content()
    tracked = _targets(text)
    assert len(tracked) == 2 and all("/a/" in url for url in tracked)
    assert "/a/" not in CLICK.sub("", text)  # no untracked action link left


def test_a_click_link_expires(fan, template, release):
    sent = msg(send_email(fan=fan, template=template, key="k", release=release))
    url = _path(tokens.click_url(sent.pk, "https://open.spotify.com/album/1"))
    client = Client(HTTP_USER_AGENT=BROWSER)
    later = timezone.now() + dt.timedelta(days=tokens.CLICK_LINK_DAYS - 1)
    with time_machine.travel(later, tick=False):
        assert client.get(url).status_code == 302
    too_late = timezone.now() + dt.timedelta(days=tokens.CLICK_LINK_DAYS + 1)
    with time_machine.travel(too_late, tick=False):
        response = client.get(url)
    assert response.status_code == 410 and "Location" not in response
    page = response.content.decode()
    assert "This link has expired" in page and "open.spotify.com" not in page


def _legacy(payload: dict[str, object], salt: str) -> str:
    """A token as signed before tokens carried a timestamp."""
    return signing.Signer(salt=salt).sign_object(payload, compress=True)


def test_a_legacy_click_token_works_only_while_its_message_is_young(fan, template, release):
    sent = msg(send_email(fan=fan, template=template, key="k", release=release))
    token = _legacy({"m": sent.pk, "u": EVIL}, tokens.CLICK_SALT)
    client = Client(HTTP_USER_AGENT=BROWSER)
    assert client.get(f"/e/c/{token}")["Location"] == EVIL
    OutboundMessage.objects.filter(pk=sent.pk).update(
        created=timezone.now() - dt.timedelta(days=tokens.CLICK_LINK_DAYS + 1)
    )
    response = client.get(f"/e/c/{token}")
    assert response.status_code == 410 and "Location" not in response


def test_an_unsubscribe_link_expires(fan, template, release):
    sent = msg(send_email(fan=fan, template=template, key="k", release=release))
    url = _path(tokens.unsubscribe_url(tokens.unsubscribe_token(fan.pk, sent.pk)))
    too_late = timezone.now() + dt.timedelta(days=tokens.UNSUBSCRIBE_LINK_DAYS + 1)
    with time_machine.travel(too_late, tick=False):
        response = Client().post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404 and b"This link has expired." in response.content
    assert not Suppression.objects.exists()


def test_a_legacy_unsubscribe_token_works_only_while_its_message_is_young(fan, template, release):
    sent = msg(send_email(fan=fan, template=template, key="k", release=release))
    token = _legacy({"f": fan.pk, "m": sent.pk}, tokens.UNSUBSCRIBE_SALT)
    assert Client().get(f"/u/{token}").status_code == 200
    OutboundMessage.objects.filter(pk=sent.pk).update(
        created=timezone.now() - dt.timedelta(days=tokens.UNSUBSCRIBE_LINK_DAYS + 1)
    )
    assert b"This link has expired." in Client().get(f"/u/{token}").content


def test_the_unsubscribe_pages_show_a_masked_address_and_no_portal_link(fan, template, release):
    sent = msg(send_email(fan=fan, template=template, key="k", release=release))
    url = _path(tokens.unsubscribe_url(tokens.unsubscribe_token(fan.pk, sent.pk)))
    for response in (Client().get(url), Client().post(url, {"List-Unsubscribe": "One-Click"})):
        page = response.content.decode()
        assert response.status_code == 200 and "j…@fans.example" in page
        assert fan.email not in page and "/me/" not in page
