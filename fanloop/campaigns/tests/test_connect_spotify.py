"""Spotify pre-save end to end over HTTP against the emulator: PKCE S256, the narrowest
scopes for what the fan chose, and one fan, connection and pre-save stored, tokens encrypted."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.db import connection as db

from fanloop.analytics import buffer
from fanloop.analytics.models import Event
from fanloop.analytics.tests.factories import BROWSER_UA
from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave

from .oauth_flow import Flow


def test_it_sends_the_fan_to_spotify_with_pkce_and_save_scope_only(flow: Flow) -> None:
    started = flow.start("spotify")
    assert started.status_code == 302
    assert started["Cache-Control"] == "private, no-store"
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["scope"] == ["user-library-modify"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/connect/spotify/callback"]


def test_it_records_the_presave_and_lands_on_the_thank_you_page(flow: Flow) -> None:
    _, back = flow.round_trip("spotify")
    assert back.status_code == 302
    assert back["Location"] == "/nova-lights/midnight-signal/thanks"
    fan = Fan.objects.get()
    connection = PlatformConnection.objects.get()
    assert connection.fan == fan and connection.platform_user_id == "fan1"
    assert connection.scope_set == {"user-library-modify"}
    assert connection.access_token and connection.refresh_token
    presave = PreSave.objects.get()
    assert (presave.fan, presave.release, presave.platform) == (fan, flow.release, "spotify")
    assert presave.connection == connection
    assert presave.landing_page == "/nova-lights/midnight-signal"
    assert not Consent.objects.exists()  # save only: nothing else was agreed to


def test_it_stores_no_plaintext_token(flow: Flow) -> None:
    flow.round_trip("spotify")
    connection = PlatformConnection.objects.get()
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM fans_platformconnection WHERE id = %s",
            [connection.pk],
        )
        stored = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in stored)
    assert connection.access_token not in stored and connection.refresh_token not in stored


def test_it_asks_for_the_follow_scope_when_follow_is_chosen_upfront(flow: Flow) -> None:
    started, back = flow.round_trip("spotify", follow="1")
    scope = parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert scope.split() == ["user-follow-modify", "user-library-modify"]
    assert back.status_code == 302
    assert PlatformConnection.objects.get().scope_set == {
        "user-library-modify",
        "user-follow-modify",
    }
    consent = Consent.objects.get()
    assert consent.kind == "follow" and consent.granted
    assert consent.wording == "Follow Nova Lights on my streaming account."
    assert consent.wording_version == "follow-1"
    assert consent.page == "/nova-lights/midnight-signal"


def test_it_asks_for_read_scopes_only_with_verification(flow: Flow) -> None:
    started, _ = flow.round_trip("spotify", verify="1", forever="1")
    scope = parse_qs(urlsplit(started["Location"]).query)["scope"][0]
    assert scope.split() == ["user-library-modify", "user-library-read"]
    kinds = set(Consent.objects.values_list("kind", flat=True))
    assert kinds == {"verify", "forever_save"}


def test_it_carries_utm_parameters_into_the_presave(flow: Flow) -> None:
    flow.client.get("/nova-lights/midnight-signal", HTTP_USER_AGENT=BROWSER_UA)
    started = flow.client.get(
        f"/connect/spotify/start?release={flow.release.pk}",
        HTTP_REFERER="http://testserver/nova-lights/midnight-signal?utm_source=insta&utm_campaign=drop",
        HTTP_USER_AGENT=BROWSER_UA,
    )
    answer = flow.authorize(started["Location"], "fan1@example.org")
    flow.callback("spotify", answer)
    presave = PreSave.objects.get()
    assert (presave.utm_source, presave.utm_campaign) == ("insta", "drop")
    # The visit's visitor id joins the page's events to the pre-save (no cookie).
    buffer.events.flush()
    view = Event.objects.get(kind="page_view")
    assert presave.visitor_id == view.visitor_id and len(view.visitor_id) == 16
