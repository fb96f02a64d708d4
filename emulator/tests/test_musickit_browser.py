"""The MusicKit JS stand-in in a real browser (Playwright + Debian's Chromium): a page on
another origin configures MusicKit, authorize() opens the emulator's popup, the emulated user
logs in and agrees, and the resolved Music-User-Token then works against the Apple API."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.testing import free_port

from .conftest import bearer, seed_catalog

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body>
<button id="authorize">Pre-save on Apple Music</button>
<pre id="token"></pre><pre id="error"></pre><pre id="loaded"></pre>
<script>
  document.addEventListener("musickitloaded", async function () {
    document.getElementById("loaded").textContent = "yes";
    const params = new URLSearchParams(location.search);
    await MusicKit.configure({developerToken: params.get("dt"),
                              app: {name: "fanloop", build: "1"}});
    document.getElementById("authorize").onclick = function () {
      MusicKit.getInstance().authorize().then(
        (t) => { document.getElementById("token").textContent = t; },
        (e) => { document.getElementById("error").textContent = e.message; });
    };
  });
</script>
<script src="EMULATOR/apple/musickit/v3/musickit.js"></script>
</body></html>"""


@pytest.fixture
def page_server(tmp_path: Path, emulator_url: str) -> Iterator[str]:
    (tmp_path / "index.html").write_text(PAGE.replace("EMULATOR", emulator_url))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = partial(Quiet, directory=str(tmp_path))
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


# `browser` is the shared session fixture in the root conftest (Debian's Chromium).


def _authorize(
    browser: Any, page_server: str, dev: str, agree: bool = True
) -> tuple[str | None, str | None]:
    page = browser.new_page()
    page.goto(f"{page_server}/index.html?dt={dev}")
    page.wait_for_function("document.getElementById('loaded').textContent === 'yes'")
    with page.expect_popup() as popup_info:
        page.click("#authorize")
    popup = popup_info.value
    popup.wait_for_selector("#email")
    popup.fill("#email", "ap@example.org")
    popup.fill("#password", "anything")
    popup.click("#login-button")
    popup.wait_for_selector("#auth-accept")
    popup.click("#auth-accept" if agree else "#auth-cancel")
    page.wait_for_function(
        "document.getElementById('token').textContent"
        " || document.getElementById('error').textContent"
    )
    return page.text_content("#token"), page.text_content("#error")


def test_it_authorizes_through_musickit_in_a_real_browser(
    admin, browser, page_server, emulator_url
):
    ids = seed_catalog(admin)
    admin.app(platform="apple", client_id="apple-app", team_id="TEAM123456", key_id="KEY1234567")
    admin.user(platform="apple", id="ap1", email="ap@example.org", country="US")
    dev = admin.apple_developer_token("apple-app")
    token, error = _authorize(browser, page_server, dev)
    assert token and not error
    headers = {**bearer(dev), "Music-User-Token": token}
    album = ids["released"]["apple"]
    r = httpx.post(
        f"{emulator_url}/apple/v1/me/library", params={"ids[albums]": album}, headers=headers
    )
    assert r.status_code == 202
    assert [e["id"] for e in admin.library("apple", "ap1")["saved"]] == [album]


def test_it_rejects_authorize_when_the_user_declines(admin, browser, page_server):
    admin.app(platform="apple", client_id="apple-app", team_id="TEAM123456", key_id="KEY1234567")
    admin.user(platform="apple", id="ap1", email="ap@example.org")
    token, error = _authorize(browser, page_server, admin.apple_developer_token("apple-app"), False)
    assert not token and error == "ACCESS_DENIED"
