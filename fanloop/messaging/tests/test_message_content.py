"""What a fan receives, read back from a real SMTP server: RFC 8058 unsubscribe headers,
the artist as the sender, branded HTML and text, links rewritten to signed click
redirects (but not the unsubscribe link), and no open pixel unless turned on."""

from __future__ import annotations

import re

import pytest

from fanloop.catalog.models import Release
from fanloop.fans.models import Fan
from fanloop.messaging import tokens
from fanloop.messaging.models import EmailTemplate, OutboundMessage
from fanloop.messaging.sending import send_email

from .conftest import msg


def _send(fan: Fan, template: EmailTemplate, release: Release, key: str = "k") -> OutboundMessage:
    outcome = send_email(fan=fan, template=template, key=key, release=release)
    assert outcome.status == "sent", msg(outcome).detail
    return msg(outcome)


def test_the_list_unsubscribe_headers(smtp_sink, fan, template, release):
    row = _send(fan, template, release)
    [received] = smtp_sink.messages()
    header = received["List-Unsubscribe"].strip()
    match = re.fullmatch(r"<(http://testserver/u/([^>]+))>", header)
    assert match, header
    assert tokens.read_unsubscribe_token(match.group(2)) == (fan.pk, row.pk)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_unsubscribe_mailbox_is_offered_too_when_configured(
    smtp_sink, settings, fan, template, release
):
    settings.EMAIL_UNSUBSCRIBE_MAILTO = "unsubscribe@fanloop.example"
    _send(fan, template, release)
    [received] = smtp_sink.messages()
    https, mailto = received["List-Unsubscribe"].strip().split(", ")
    assert https.startswith("<http://testserver/u/")
    assert mailto.startswith("<mailto:unsubscribe@fanloop.example?subject=unsubscribe%20")


def test_the_artist_sends_it_with_branding(smtp_sink, fan, template, release):
    _send(fan, template, release)
    [received] = smtp_sink.messages()
    assert received["From"] == "The Lanterns <noreply@fanloop.example>"
    assert received["To"] == fan.email and received["Subject"] == "First Light is out"
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = received.get_body(("html",)).get_content()
    assert text.startswith("Hi Jo,\n\nFirst Light by The Lanterns is out now.")
    assert "Unsubscribe: http://testserver/u/" in text
    assert "<strong" in html and "The Lanterns</strong>" in html
    assert "First Light by The Lanterns is out now." in html  # built from the text


def test_links_become_signed_click_redirects_except_unsubscribe(smtp_sink, fan, template, release):
    row = _send(fan, template, release)
    [received] = smtp_sink.messages()
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    clicks = re.findall(r"http://testserver/e/c/([^\s\"'<>]+)", text)
    targets = {tokens.read_click_token(token)[1] for token in clicks}
    assert all(tokens.read_click_token(t)[0] == row.pk for t in clicks)
    assert "http://testserver/the-lanterns/first-light/listen/spotify" in targets
    assert any(url.startswith("http://testserver/a/") for url in targets)  # the save page
    assert not any("/u/" in url for url in targets)
    assert "http://testserver/the-lanterns/first-light/listen/spotify" not in text
    assert 'href="http://testserver/e/c/' in html
    assert re.search(r'href="http://testserver/u/[^"]+"', html)  # unsubscribe stays direct


def test_an_html_body_is_escaped_and_wrapped_in_the_layout(smtp_sink, workspace, fan, release):
    fan.display_name = "<script>alert(1)</script>"
    fan.save()
    template = EmailTemplate.objects.create(
        workspace=workspace,
        name="html",
        subject="Hey {{ fan.name }}",
        text_body="Hey {{ fan.name }}",
        html_body='<p>Hey {{ fan.name }}</p><a href="{{ release.url }}">Listen</a>',
    )
    _send(fan, template, release)
    [received] = smtp_sink.messages()
    html = received.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert received["Subject"] == "Hey <script>alert(1)</script>"  # plain text: as typed


def test_no_open_pixel_by_default(smtp_sink, fan, template, release):
    _send(fan, template, release)
    html = smtp_sink.messages()[0].get_body(("html",)).get_content()
    assert "/e/o/" not in html


def test_the_open_pixel_when_turned_on(smtp_sink, settings, fan, template, release):
    settings.EMAIL_OPEN_TRACKING = True
    row = _send(fan, template, release)
    html = smtp_sink.messages()[0].get_body(("html",)).get_content()
    found = re.search(r'src="http://testserver/e/o/([^"]+)\.gif"', html)
    assert found is not None
    token = found.group(1)
    assert tokens.read_open_token(token) == row.pk


def test_the_outbox_row_keeps_the_rendered_subject(smtp_sink, fan, template, release):
    row = _send(fan, template, release)
    assert OutboundMessage.objects.get(pk=row.pk).subject == "First Light is out"


def test_a_connection_can_be_shared_by_a_batch(smtp_sink, workspace, template, release):
    from django.core.mail import get_connection

    from .conftest import subscribed_fan

    fans = [subscribed_fan(workspace, f"f{n}@fans.example") for n in range(3)]
    with get_connection() as connection:
        for n, fan in enumerate(fans):
            outcome = send_email(
                fan=fan, template=template, key=f"b{n}", release=release, connection=connection
            )
            assert outcome.status == "sent"
    assert sorted(m["To"] for m in smtp_sink.messages()) == [f.email for f in fans]


@pytest.mark.parametrize(
    "text",
    [
        "Hi Jo,\n\nListen: https://example.org/a?b=1&c=2.\nThanks & bye <3",
        "One line http://x.example/p\n\n\nNew paragraph, no link.",
        "Plain text only: nothing to link, 'quotes' and \"double\".",
    ],
)
def test_a_text_only_body_becomes_html_as_urlize_would_make_it(text: str) -> None:
    from django.utils.html import linebreaks, urlize

    from fanloop.messaging.rendering import text_to_html

    assert text_to_html(text) == linebreaks(urlize(text, nofollow=False, autoescape=True))


def test_a_link_in_both_bodies_is_one_click_token(smtp_sink, fan, template, release):
    _send(fan, template, release)
    [received] = smtp_sink.messages()
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()

    def spotify(body: str) -> set[str]:
        tokens_ = re.findall(r"http://testserver/e/c/([^\s\"'<>]+)", body)
        return {t for t in tokens_ if tokens.read_click_token(t)[1].endswith("/spotify")}

    assert len(spotify(text)) == 1 and spotify(text) == spotify(html)


def test_save_and_follow_links_are_signed_only_when_the_email_shows_them(
    smtp_sink, monkeypatch, workspace, fan, template, release
):
    from fanloop.messaging import action_links as links

    signed: list[str] = []
    real = links.action_token

    def counting(fan_id: int, release_id: int, action: links.Action) -> str:
        signed.append(action)
        return real(fan_id, release_id, action)

    monkeypatch.setattr(links, "action_token", counting)
    plain = EmailTemplate.objects.create(
        workspace=workspace, name="plain", subject="Hi", text_body="Out now: {{ release.title }}"
    )
    _send(fan, plain, release, key="plain")
    assert signed == []

    _send(fan, template, release, key="with-save")  # shows {{ save_url }}
    assert signed == ["save"]


def test_a_chunk_for_one_release_builds_its_release_values_once(
    smtp_sink, monkeypatch, workspace, template, release
):
    from fanloop.messaging import rendering
    from fanloop.messaging.sending import EmailRequest, send_emails

    from .conftest import subscribed_fan

    calls: list[Release | None] = []
    real = rendering._listen_links

    def counting(release: Release | None) -> list[tuple[str, str]]:
        calls.append(release)
        return real(release)

    monkeypatch.setattr(rendering, "_listen_links", counting)
    fans = [subscribed_fan(workspace, f"c{n}@fans.example") for n in range(3)]

    outcomes = send_emails(
        [EmailRequest(fan, template, f"c{n}", release) for n, fan in enumerate(fans)]
    )

    assert {o.status for o in outcomes.values()} == {"sent"}
    assert len(calls) == 1
    bodies = [m.get_body(("plain",)).get_content() for m in smtp_sink.messages()]
    assert all("Spotify: http://testserver/e/c/" in body for body in bodies)


def test_the_link_builders_give_a_template_their_link_and_nothing_else(
    smtp_sink, workspace, fan, release
):
    """``save_url`` and ``follow_url`` reach templates as callables: the template language
    calls them at once, so nothing behind them (the function, its arguments) is reachable."""
    probe = EmailTemplate.objects.create(
        workspace=workspace,
        name="probe",
        subject="Probe",
        text_body=(
            "[{{ save_url.func }}|{{ save_url.args }}|{{ follow_url.keywords }}]\n"
            "{% if follow_url %}Follow: {{ follow_url }}{% endif %}"
        ),
    )
    _send(fan, probe, release, key="probe")
    [received] = smtp_sink.messages()
    text = received.get_body(("plain",)).get_content()
    assert "[||]" in text
    assert "Follow: http://testserver/e/c/" in text
