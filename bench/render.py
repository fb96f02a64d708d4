"""Benchmark: what the email template sandbox's limits cost per message.

Renders the parts of a flow email (subject, text body, an HTML body with a loop) for one
fan through the sandbox (allow-listed filters counting their output, leaf nodes charged
against the render's budget, loop iterations counted) and, in the same process and run,
through Django's stock template engine with the same sources and context (the
reference). Interleaved rounds, best round of each. Prints one JSON line last:
{"sandbox_us", "stock_us", "ratio" (stock / sandbox time: 1.0 = free), "message_us"
(a whole ``render_message`` with click tracking, for scale)}. No database, no network.

    .venv/bin/python bench/render.py [--renders 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")

import django

django.setup()

from django.template import Context, Engine  # noqa: E402

from fanloop.messaging import rendering, sandbox  # noqa: E402
from fanloop.messaging.models import EmailTemplate  # noqa: E402

SUBJECT = "{{ release.title }} is out"
TEXT_BODY = (
    "Hi {{ fan.first_name|default:'there' }},\n\n"
    "{{ release.title }} by {{ artist.name }} is out now. Listen:\n"
    "{% for label, url in listen_links %}{{ label }}: {{ url }}\n{% endfor %}\n"
    "Save it to your library: {{ save_url }}\n"
    "Thank you for pre-saving it.\n"
)
HTML_BODY = (
    "<p>Hi {{ fan.first_name|default:'there' }},</p>"
    "<p><b>{{ release.title|upper }}</b> by {{ artist.name }} is out now.</p><ul>"
    '{% for label, url in listen_links %}<li><a href="{{ url }}">{{ label }}</a></li>'
    '{% endfor %}</ul><p><a href="{{ save_url }}">Save it</a></p>'
)
CONTEXT: dict[str, Any] = {
    "fan": {"name": "Jo Fan", "first_name": "Jo", "email": "jo@fans.example", "country": "DE"},
    "artist": {"name": "Bench Artist", "image_url": ""},
    "release": {
        "title": "First Light",
        "type": "EP",
        "artwork_url": "",
        "url": "http://testserver/r/first-light",
        "release_date": "2026-01-01",
    },
    "listen_links": [
        ("Spotify", "http://testserver/l/1/spotify"),
        ("Deezer", "http://testserver/l/1/deezer"),
        ("Apple Music", "http://testserver/l/1/apple"),
    ],
    "save_url": "http://testserver/a/save-token",
    "follow_url": "",
    "unsubscribe_url": "http://testserver/u/unsubscribe-token",
    "portal_url": "http://testserver/me/portal-token",
    "workspace_name": "Bench Records",
}


def _stock(autoescape: bool) -> Engine:
    return Engine(libraries={}, autoescape=autoescape, string_if_invalid="")


def _time(renders: int, render: Any) -> float:
    start = time.perf_counter()
    for _ in range(renders):
        render()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    sandboxed = [
        (t, html) for (t, html) in zip(
            [sandbox.TEXT_ENGINE.from_string(SUBJECT), sandbox.TEXT_ENGINE.from_string(TEXT_BODY),
             sandbox.HTML_ENGINE.from_string(HTML_BODY)], [False, False, True], strict=True
        )
    ]  # fmt: skip
    stock = [(_stock(False).from_string(SUBJECT), False), (_stock(False).from_string(TEXT_BODY),
             False), (_stock(True).from_string(HTML_BODY), True)]  # fmt: skip

    def render_sandboxed() -> None:
        with sandbox.budget():
            for template, html in sandboxed:
                sandbox.check_output(str(template.render(Context(CONTEXT, autoescape=html))))

    def render_stock() -> None:
        for template, html in stock:
            str(template.render(Context(CONTEXT, autoescape=html)))

    template = EmailTemplate(
        workspace_id=1, name="bench", subject=SUBJECT, text_body=TEXT_BODY, html_body=HTML_BODY
    )
    counter = iter(range(1, 10**9))

    def render_message() -> None:
        rendering.render_message(template, CONTEXT, track_message_pk=next(counter))

    for render in (render_sandboxed, render_stock, render_message):  # warm-up
        _time(50, render)
    sandbox_best = stock_best = message_best = float("inf")
    for _ in range(args.rounds):
        sandbox_best = min(sandbox_best, _time(args.renders, render_sandboxed))
        stock_best = min(stock_best, _time(args.renders, render_stock))
        message_best = min(message_best, _time(args.renders, render_message))
    per = 1e6 / args.renders
    print(
        json.dumps(
            {
                "renders": args.renders,
                "rounds": args.rounds,
                "reference": "the same parts through Django's stock engine, same run",
                "sandbox_us": round(sandbox_best * per, 1),
                "stock_us": round(stock_best * per, 1),
                "ratio": round(stock_best / sandbox_best, 3),
                "message_us": round(message_best * per, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
