"""Text typed by members (titles, names, descriptions) is escaped everywhere on public pages."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import signing
from django.test import Client

from fanloop.accounts.models import Workspace
from fanloop.analytics.tests.factories import make_artist, make_release
from fanloop.campaigns.connect import STATE_SALT
from fanloop.catalog.models import Release

SCRIPT = '<script>alert("x")</script>'
BEFORE = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
AFTER = dt.datetime(2030, 4, 1, tzinfo=dt.UTC)


def _hostile_release(workspace: Workspace) -> Release:
    artist = make_artist(workspace, name=f"Band {SCRIPT}", slug="band")
    return make_release(
        artist,
        title=f'Song "{SCRIPT}"',
        slug="song",
        description=f"Line one\n{SCRIPT}\n<img src=x onerror=alert(1)>",
        label_line=f"(P) {SCRIPT}",
        album_ids={"spotify": "abc"},
    )


def test_it_escapes_text_fields_in_both_modes(workspace) -> None:
    _hostile_release(workspace)
    for moment in (BEFORE, AFTER):
        with time_machine.travel(moment, tick=False):
            html = Client().get("/band/song").content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        # Attributes (Open Graph, alt text) are escaped too: no breaking out of quotes.
        assert 'content="Song &quot;&lt;script&gt;' in html


def test_it_escapes_text_on_the_presave_cancelled_page(workspace) -> None:
    release = _hostile_release(workspace)
    client = Client()
    session = client.session
    session["fanloop_oauth_pending"] = {
        "n1": {"release": release.pk, "platform": "spotify", "app": 0, "created": 0}
    }
    session.save()
    state = signing.dumps({"n": "n1", "r": release.pk, "p": "spotify"}, salt=STATE_SALT)
    response = client.get("/connect/spotify/callback", {"error": "access_denied", "state": state})
    html = response.content.decode()
    assert "You cancelled" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_it_escapes_text_in_the_member_preview(workspace, owner_client) -> None:
    _hostile_release(workspace)
    html = owner_client.get("/band/song?preview=1").content.decode()
    assert "<script>alert" not in html


def test_it_forbids_inline_scripts_other_than_its_own(workspace) -> None:
    _hostile_release(workspace)
    with time_machine.travel(BEFORE, tick=False):
        response = Client().get("/band/song")
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'sha256-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
