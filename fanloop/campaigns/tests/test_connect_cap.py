"""When the development-mode app is at its user cap (or no app is set up), the pre-save
button leads to the email reminder instead of an authorization that would fail."""

from __future__ import annotations

from fanloop.fans.models import Fan, PlatformConnection
from fanloop.platforms.services import set_app_active

from .oauth_flow import Flow


def _fill(flow: Flow, count: int) -> None:
    app = flow.apps["spotify"]
    for n in range(count):
        fan = Fan.objects.create(workspace=app.workspace, email=f"f{n}@example.org")
        PlatformConnection.objects.create(
            fan=fan, app=app, platform="spotify", platform_user_id=f"u{n}", access_token="t"
        )


def test_it_redirects_to_the_email_reminder_when_the_app_is_full(flow: Flow) -> None:
    _fill(flow, 5)
    started = flow.start("spotify")
    assert started.status_code == 302
    assert started["Location"] == "/nova-lights/midnight-signal/notify?reason=cap&platform=spotify"


def test_it_still_connects_while_there_is_room(flow: Flow) -> None:
    _fill(flow, 4)
    started = flow.start("spotify")
    assert started["Location"].startswith(flow.admin.base_url)


def test_it_redirects_to_the_email_reminder_when_no_app_is_active(flow: Flow) -> None:
    set_app_active(flow.apps["deezer"], False)
    started = flow.start("deezer")
    assert started["Location"] == (
        "/nova-lights/midnight-signal/notify?reason=unavailable&platform=deezer"
    )
