"""An email pre-saver's release-day email leads with the platform they chose on the email
path; everyone else gets the listen links in the page's order."""

from __future__ import annotations

import re

import pytest

from fanloop.catalog import platform_ids
from fanloop.fans.models import PreSave
from fanloop.fans.presaves import record_presave
from fanloop.messaging.sending import send_email
from fanloop.platforms.registry import UnknownPlatform

from .conftest import msg, subscribed_fan


def _labels(text: str) -> list[str]:
    return re.findall(r"^(Spotify|Deezer|Apple Music): http", text, re.MULTILINE)


def test_the_chosen_platform_comes_first(smtp_sink, workspace, template, release) -> None:
    platform_ids.write_release_ids(release, {"deezer": "302127"})
    release.save()
    chose = subscribed_fan(workspace, "deezer-fan@fans.example")
    record_presave(chose, release, PreSave.EMAIL_ONLY, chosen_platform="deezer")
    other = subscribed_fan(workspace, "any@fans.example")
    record_presave(other, release, PreSave.EMAIL_ONLY)
    for n, fan in enumerate((chose, other)):
        outcome = send_email(fan=fan, template=template, key=f"k{n}", release=release)
        assert outcome.status == "sent", msg(outcome).detail
    bodies = {
        str(m["To"]): str(m.get_body(preferencelist=("plain",)).get_content())
        for m in smtp_sink.messages()
    }
    assert _labels(bodies["deezer-fan@fans.example"]) == ["Deezer", "Spotify"]
    assert _labels(bodies["any@fans.example"]) == ["Spotify", "Deezer"]


def test_only_an_email_presave_can_name_a_platform(workspace, release) -> None:
    fan = subscribed_fan(workspace, "x@fans.example")
    with pytest.raises(UnknownPlatform):
        record_presave(fan, release, "spotify", chosen_platform="deezer")
    with pytest.raises(UnknownPlatform):
        record_presave(fan, release, PreSave.EMAIL_ONLY, chosen_platform="myspace")
    record_presave(fan, release, PreSave.EMAIL_ONLY, chosen_platform="spotify")
    record_presave(fan, release, PreSave.EMAIL_ONLY, chosen_platform="deezer")
    assert PreSave.objects.get(fan=fan).chosen_platform == "deezer"  # the latest choice
