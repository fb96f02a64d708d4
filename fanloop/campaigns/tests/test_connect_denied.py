"""A fan who cancels at the platform sees that nothing was saved, and nothing is."""

from __future__ import annotations

from fanloop.fans.models import Consent, Fan, PlatformConnection, PreSave

from .oauth_flow import Flow


def _nothing_written() -> bool:
    return not (
        Fan.objects.exists()
        or PlatformConnection.objects.exists()
        or PreSave.objects.exists()
        or Consent.objects.exists()
    )


def test_it_says_nothing_was_saved_when_the_fan_cancels_on_spotify(flow: Flow) -> None:
    started = flow.start("spotify", follow="1")
    answer = flow.authorize(started["Location"], "fan1@example.org", agree=False)
    assert answer["error"] == "access_denied"
    back = flow.callback("spotify", answer)
    assert back.status_code == 200
    html = back.content.decode()
    assert "You cancelled — nothing was saved" in html
    assert f"/connect/spotify/start?release={flow.release.pk}&amp;follow=1" in html
    assert _nothing_written()


def test_it_says_nothing_was_saved_when_the_fan_cancels_on_deezer(flow: Flow) -> None:
    started = flow.start("deezer")
    answer = flow.authorize(started["Location"], "dz@example.org", agree=False)
    back = flow.callback("deezer", answer)
    assert "You cancelled — nothing was saved" in back.content.decode()
    assert _nothing_written()
