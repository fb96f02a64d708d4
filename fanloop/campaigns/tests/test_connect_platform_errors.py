"""Platform failures during the callback: a friendly page with a retry link, nothing written.

The emulator injects faults on Web API routes only, not on its token endpoint, so the
5xx during the code exchange comes from an httpx MockTransport in place of the adapters'
shared client (after a real authorization at the emulator)."""

from __future__ import annotations

import httpx
import pytest

from fanloop.fans.models import Fan, PlatformConnection, PreSave
from fanloop.platforms import http

from .oauth_flow import Flow


def _platform_answers(monkeypatch: pytest.MonkeyPatch, status: int, body: object) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    monkeypatch.setattr(http, "_shared", http.make_client(httpx.MockTransport(answer)))


def _nothing_written() -> bool:
    return not (
        Fan.objects.exists() or PlatformConnection.objects.exists() or PreSave.objects.exists()
    )


def test_it_asks_to_retry_when_spotify_fails_during_the_token_exchange(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = flow.start("spotify")
    answer = flow.authorize(started["Location"], "fan1@example.org")
    _platform_answers(monkeypatch, 503, {"error": "server_error"})
    back = flow.callback("spotify", answer)
    assert back.status_code == 503
    html = back.content.decode()
    assert "Spotify is having trouble" in html
    assert "Nothing was saved" in html
    assert f"/connect/spotify/start?release={flow.release.pk}" in html
    assert _nothing_written()


def test_it_says_the_authorization_did_not_complete_for_a_bad_code(flow: Flow) -> None:
    started = flow.start("spotify")
    answer = flow.authorize(started["Location"], "fan1@example.org")
    answer["code"] = "not-a-code"
    back = flow.callback("spotify", answer)
    assert back.status_code == 400
    assert "did not confirm the authorization" in back.content.decode()
    assert _nothing_written()


def test_it_offers_the_email_reminder_when_spotify_refuses_the_profile(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A development-mode app over its cap at Spotify: the token works, /me answers 403."""
    flow.admin.app(
        platform="spotify",
        client_id=flow.apps["spotify"].client_id,
        client_secret="5ec2e75ec2e75ec2e75ec2e75ec2e7aa",
        redirect_uris=["http://127.0.0.1:8000/connect/spotify/callback"],
        mode="development",
        users=["fan1@example.org"],
    )
    flow.round_trip("spotify", email="fan1@example.org")
    other = flow.__class__(flow.admin, flow.release, flow.apps, httpx.Client(timeout=10))
    _, back = other.round_trip("spotify", email="fan2@example.org")
    assert back.status_code == 302
    assert (
        back["Location"]
        == "/nova-lights/midnight-signal/notify?reason=development&platform=spotify"
    )
    assert PreSave.objects.count() == 1
