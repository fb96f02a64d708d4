"""The action steps for real: saves and follows through the platform emulator over HTTP
(only with consent and scope), and signed webhooks to a local HTTP server (SSRF rules,
retries, no redirects)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fans import consent_log
from fanloop.fans.models import Fan, PreSave
from fanloop.flows import webhooks_out
from fanloop.flows.models import Flow, JourneyState, JourneyStep
from fanloop.platforms.models import PlatformApp

from .engine_helpers import event, journey_of, later, log_of, make_flow, run
from .ui_fixtures import SITE, connect_spotify, register_apps, seed_album

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_default_flow(workspace: Workspace) -> None:
    Flow.objects.filter(is_default=True).delete()


@pytest.fixture
def apps(
    admin: AdminClient, platform_settings: Any, workspace: Workspace
) -> dict[str, PlatformApp]:
    platform_settings.SITE_URL = SITE
    return register_apps(admin, workspace)


def library(admin: AdminClient, user_id: str = "fan1") -> dict[str, set[str]]:
    raw = admin.library("spotify", user_id)
    return {"saved": {e["id"] for e in raw["saved"]}, "follows": {e["id"] for e in raw["follows"]}}


def test_api_save_and_follow_act_only_with_consent_and_scope(
    admin: AdminClient, apps: Any, workspace: Workspace, fan: Fan, release: Release
) -> None:
    ids = seed_album(admin, release)
    connect_spotify(admin, fan, apps["spotify"])
    flow = make_flow(
        workspace,
        [{"id": "save", "type": "api_save"}, {"id": "follow", "type": "api_follow"}],
        trigger="release_live",
    )
    event(fan, FanEventKind.RELEASE_LIVE, release=release)
    run()
    journey = journey_of(fan, flow)
    assert log_of(journey) == [("save", "skipped"), ("follow", "skipped")]
    details = list(
        JourneyStep.objects.filter(journey=journey, outcome="skipped").values_list(
            "detail", flat=True
        )
    )
    assert details == [
        "no consent to save (no pre-save, no forever save)",
        "no consent to follow the artist",
    ]
    assert library(admin) == {"saved": set(), "follows": set()}

    second = Release.objects.create(
        artist=release.artist,
        title="Second",
        slug="second",
        release_date=release.release_date,
    )
    platform_ids.write_release_ids(second, platform_ids.release_ids(release))
    PreSave.objects.create(release=second, fan=fan, platform="spotify")
    consent_log.record_consent(fan, "follow", True, page="test", artist=release.artist)
    event(fan, FanEventKind.RELEASE_LIVE, release=second)
    run()
    later_journey = flow.journeys.get(release=second)
    assert log_of(later_journey) == [("save", "passed"), ("follow", "passed")]
    assert library(admin) == {"saved": {ids["spotify_album"]}, "follows": {ids["spotify_artist"]}}
    saved = FanEvent.objects.get(kind=FanEventKind.SAVED)
    assert (saved.release, saved.platform, saved.data["via"]) == (second, "spotify", "flow")
    assert FanEvent.objects.filter(kind=FanEventKind.FOLLOWED, fan=fan).count() == 1


def test_api_steps_without_the_scope_are_skipped(
    admin: AdminClient, apps: Any, workspace: Workspace, fan: Fan, release: Release
) -> None:
    seed_album(admin, release)
    connect_spotify(admin, fan, apps["spotify"], scopes="user-library-read")
    PreSave.objects.create(release=release, fan=fan, platform="spotify")
    flow = make_flow(workspace, [{"id": "save", "type": "api_save"}])
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    step = JourneyStep.objects.get(journey=journey_of(fan, flow), outcome="skipped")
    assert step.detail == "no connection allowed to save"
    assert library(admin)["saved"] == set()


# --- webhooks ---------------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "path": self.path}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    target = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), target.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target, f"http://localhost:{server.server_address[1]}/hooks/fanloop?x=1"
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_signed_json(
    settings: Any, receiver: tuple[Receiver, str], workspace: Workspace, fan: Fan, release: Release
) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = True
    settings.FLOW_WEBHOOK_SECRET = "s3cret"
    target, url = receiver
    flow = make_flow(workspace, [{"id": "hook", "type": "webhook", "url": url}])
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert log_of(journey) == [("hook", "passed")]
    [request] = target.requests
    assert request["path"] == "/hooks/fanloop?x=1"
    headers = request["headers"]
    assert headers["Host"].startswith("localhost:")
    assert headers["Fanloop-Idempotency-Key"] == f"journey:{journey.pk}:step:0"
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["Fanloop-Signature"].split(",")
    )
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + request["body"], hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    payload = json.loads(request["body"])
    assert payload["fan"]["email"] == fan.email
    assert payload["release"]["title"] == "Midnight Signal"
    assert payload["flow"] == {"id": flow.pk, "name": flow.name, "version": 1}


def test_webhook_retries_server_errors_and_does_not_follow_redirects(
    settings: Any, receiver: tuple[Receiver, str], workspace: Workspace, fan: Fan, release: Release
) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = True
    target, url = receiver
    target.statuses = [503, 200, 302]
    flow = make_flow(
        workspace,
        [{"id": "a", "type": "webhook", "url": url}, {"id": "b", "type": "webhook", "url": url}],
    )
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    journey = journey_of(fan, flow)
    assert journey.state == JourneyState.WAITING and log_of(journey) == [("a", "waiting")]
    run(later(minutes=2))
    journey = journey_of(fan, flow)
    assert log_of(journey) == [("a", "waiting"), ("a", "passed"), ("b", "failed")]
    assert JourneyStep.objects.get(journey=journey, step_id="b", outcome="failed").detail.endswith(
        "redirects are not followed"
    )
    assert len(target.requests) == 3  # the redirect was not followed
    keys = {r["headers"]["Fanloop-Idempotency-Key"] for r in target.requests[:2]}
    assert keys == {f"journey:{journey.pk}:step:0"}


def test_webhooks_to_private_addresses_are_refused_by_default(
    receiver: tuple[Receiver, str], workspace: Workspace, fan: Fan, release: Release
) -> None:
    target, url = receiver
    flow = make_flow(workspace, [{"id": "hook", "type": "webhook", "url": url}])
    event(fan, FanEventKind.PRESAVED, release=release)
    run()
    step = JourneyStep.objects.get(journey=journey_of(fan, flow), step_id="hook", outcome="failed")
    assert step.detail == "refused: localhost is not a public address"
    assert target.requests == []
    for private in (
        "http://10.0.0.8/x",
        "http://[::1]/x",
        "http://169.254.169.254/x",
        "http://0.0.0.0/",
    ):
        with pytest.raises(webhooks_out.UnsafeWebhookUrl):
            webhooks_out.resolve_target(private)
