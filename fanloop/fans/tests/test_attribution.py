"""Attribution values come from URLs and headers: they are cut to their columns and cleaned,
never a reason to lose a pre-save; they can be carried over from an analytics event."""

from __future__ import annotations

from fanloop.analytics.models import Event
from fanloop.fans.models import PreSave
from fanloop.fans.presaves import Attribution, record_presave

from .conftest import connect


def test_it_cuts_oversize_values_and_drops_control_characters(spotify_app, release):
    fan, _ = connect(spotify_app)
    attribution = Attribution(
        utm_source="s" * 500,
        utm_campaign="spring\x00\r\nlaunch",
        referrer_host="h" * 400,
        landing_page="/" + "p" * 1000,
        country="germany",
    )
    record_presave(fan, release, "spotify", attribution=attribution)
    stored = PreSave.objects.get()
    assert len(stored.utm_source) == 100
    assert stored.utm_campaign == "springlaunch"
    assert len(stored.referrer_host) == 255
    assert len(stored.landing_page) == 300
    assert stored.country == ""


def test_it_normalises_the_country(spotify_app, release):
    fan, _ = connect(spotify_app)
    record_presave(fan, release, "spotify", attribution=Attribution(country="de"))
    assert PreSave.objects.get().country == "DE"


def test_it_carries_attribution_over_from_an_event(release):
    event = Event(
        kind="page_view",
        utm_source="ig",
        utm_medium="story",
        utm_campaign="launch",
        referrer_host="instagram.com",
        country="FR",
        visitor_id="0123456789abcdef",
    )
    attribution = Attribution.from_event(event, landing_page=release.public_path)
    assert attribution.cleaned() == {
        "utm_source": "ig",
        "utm_medium": "story",
        "utm_campaign": "launch",
        "referrer_host": "instagram.com",
        "landing_page": release.public_path,
        "country": "FR",
        "visitor_id": "0123456789abcdef",
    }
