"""The acceptance script over real HTTP: an owner creates a token on its dashboard page,
then a client with httpx creates an artist and a release, publishes it, a fan pre-saves
(stored through the fans services, as the capture views do), the client lists the
pre-savers, page by page, makes a segment of them and a broadcast to it, sends it and
reads its stats; a webhook it made first receives the pre-saves, each call's signature
verified with the reference ``standardwebhooks`` package."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.fans.presaves import record_presave
from fanloop.fans.tests.conftest import connect, make_app
from fanloop.flows import broadcasts
from fanloop.messaging.models import EmailTemplate
from fanloop.webhooks import intake
from fanloop.webhooks import services as webhooks
from fanloop.webhooks.tests.conftest import Receiver, local_calls, receiver  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_scripts_a_release_campaign(
    owner_client,
    workspace,
    live_server,
    settings,
    receiver: Receiver,  # noqa: F811
    local_calls: None,  # noqa: F811
):
    settings.SITE_URL = live_server.url
    page = owner_client.post(
        f"/w/{workspace.slug}/settings/api-tokens/",
        {
            "name": "Campaign script",
            "expires_in": "30",
            "scope_catalog": "write",
            "scope_fans": "read",
            "scope_segments": "write",
            "scope_broadcasts": "write",
            "scope_webhooks": "write",
        },
    )
    assert page.status_code == 302
    page = owner_client.get(page["Location"])
    found = re.search(r'value="(fl_[A-Za-z0-9_-]+)"', page.content.decode())
    assert found is not None
    secret = found.group(1)

    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers, timeout=10) as api:
        hook = api.post("/webhooks", json={"url": receiver.url, "event_types": ["fan.presaved"]})
        assert hook.status_code == 201, hook.text
        hook_secret = hook.json()["secret"]
        artist = api.post(
            "/artists",
            json={"name": "The Lanterns", "platform_links": {"spotify": ""}},
            headers={"Idempotency-Key": "artist-1"},
        )
        assert artist.status_code == 201, artist.text
        release = api.post(
            "/releases",
            json={
                "artist_id": artist.json()["id"],
                "title": "First Light",
                "release_date": "2031-03-07",
                "release_time_zone": "Europe/Paris",
                "tracks": [{"title": "Dawn", "isrc": "GBAYE2100001"}, {"title": "Noon"}],
            },
        )
        assert release.status_code == 201, release.text
        release_id = release.json()["id"]
        assert [t["title"] for t in release.json()["tracks"]] == ["Dawn", "Noon"]
        assert release.json()["published"] is False

        published = api.post(f"/releases/{release_id}/publish")
        assert published.status_code == 200 and published.json()["published"] is True
        public = httpx.get(published.json()["public_url"])
        assert public.status_code == 200

        # Fans pre-save: one through Spotify, two by email ("notify me").
        stored = Release.objects.get(pk=release_id)
        app = make_app(workspace, "spotify")
        fan, connection = connect(app, "sp1", email="sp1@example.org", name="Sam")
        record_presave(fan, stored, "spotify", connection=connection)
        for n in (1, 2):
            email_fan, _ = connect(app, f"e{n}", email=f"e{n}@example.org")
            record_presave(email_fan, stored, "email")

        presavers, url = [], f"/releases/{release_id}/presaves?limit=2"
        while url:
            body = api.get(url)
            assert body.status_code == 200, body.text
            presavers += body.json()["items"]
            url = body.json()["next"]
        assert [(p["platform"], p["fan"]["email"]) for p in presavers] == [
            ("spotify", "sp1@example.org"),
            ("email", "e1@example.org"),
            ("email", "e2@example.org"),
        ]
        # The webhook got each pre-save, signed (what the worker's webhooks.tick does).
        intake.consume(timezone.now() + dt.timedelta(seconds=intake.EVENT_SETTLE_SECONDS + 1))
        webhooks.send_due()
        received = [receiver.verify(hook_secret, call) for call in receiver.calls]
        assert sorted(event["data"]["fan"]["email"] for event in received) == [
            "e1@example.org",
            "e2@example.org",
            "sp1@example.org",
        ]
        assert {event["type"] for event in received} == {"fan.presaved"}
        # The token was given no delivery scope.
        assert api.get(f"/releases/{release_id}/delivery").status_code == 403

        # A segment of the release's pre-savers who pre-saved by email, and a broadcast.
        rules = {"platforms": ["email"], "actions": [{"kind": "presaved", "release": release_id}]}
        segment = api.post("/segments", json={"name": "Notify me", "rules": rules})
        assert segment.status_code == 201, segment.text
        segment_id = segment.json()["id"]
        assert api.get(f"/segments/{segment_id}/count").json() == {"count": 2}
        template = EmailTemplate.objects.filter(workspace=workspace).first()
        assert template is not None
        broadcast = api.post(
            "/broadcasts",
            json={"name": "It's coming", "segment_id": segment_id, "template_id": template.pk},
        )
        assert broadcast.status_code == 201, broadcast.text
        broadcast_id = broadcast.json()["id"]
        assert api.post(f"/broadcasts/{broadcast_id}/schedule", json={}).status_code == 200
        broadcasts.run(broadcast_id)  # what the worker's broadcast workflow does
        sent = api.get(f"/broadcasts/{broadcast_id}").json()
        # Neither fan gave email consent: the pipeline skips both at send time.
        assert sent["status"] == "sent"
        assert sent["stats"]["audience"] == 2 and sent["stats"]["skipped"] == {"no_consent": 2}
