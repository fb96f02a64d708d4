"""Cap awareness: connected users per app, room under the cap, the app new fans go through,
and the numbers the dashboard shows."""

from __future__ import annotations

from fanloop.fans.models import ConnectionStatus
from fanloop.platforms import services

from .app_factories import SPOTIFY_ID_2, apple_app, connect_fans, deezer_app, spotify_app


def test_it_counts_every_fan_holding_a_slot(workspace):
    app = spotify_app(workspace)
    connect_fans(app, 2)
    connect_fans(app, 1, status=ConnectionStatus.NEEDS_RECONNECT, start=2)
    assert services.connected_users(app) == 3


def test_it_has_room_under_the_cap(workspace):
    app = spotify_app(workspace)
    connect_fans(app, 4)
    assert services.app_has_room(app)


def test_it_has_no_room_at_the_cap(workspace):
    app = spotify_app(workspace)
    connect_fans(app, 5)
    assert not services.app_has_room(app)


def test_it_counts_a_fan_who_must_reconnect_against_the_cap(workspace):
    app = spotify_app(workspace)
    connect_fans(app, 4)
    connect_fans(app, 1, status=ConnectionStatus.NEEDS_RECONNECT, start=4)
    assert not services.app_has_room(app)


def test_it_always_has_room_without_a_cap(workspace):
    app = spotify_app(workspace, mode="extended")
    connect_fans(app, 7)
    assert services.app_has_room(app)
    assert services.app_has_room(deezer_app(workspace))


def test_it_gives_an_inactive_app_no_room(workspace):
    app = services.set_app_active(spotify_app(workspace), False)
    assert not services.app_has_room(app)


def test_it_picks_the_first_app_with_room(workspace):
    full = spotify_app(workspace, name="Full")
    connect_fans(full, 5)
    roomy = spotify_app(workspace, name="Roomy", client_id=SPOTIFY_ID_2)
    assert services.active_app(workspace, "spotify") == roomy


def test_it_picks_the_oldest_when_several_have_room(workspace):
    first = spotify_app(workspace, name="First")
    spotify_app(workspace, name="Second", client_id=SPOTIFY_ID_2)
    assert services.active_app(workspace, "spotify") == first


def test_it_falls_back_to_the_first_active_app_when_all_are_full(workspace):
    first = spotify_app(workspace, name="First")
    second = spotify_app(workspace, name="Second", client_id=SPOTIFY_ID_2)
    connect_fans(first, 5)
    connect_fans(second, 5, start=5)
    chosen = services.active_app(workspace, "spotify")
    assert chosen == first
    assert not services.app_has_room(chosen)


def test_it_skips_inactive_apps(workspace):
    old = services.set_app_active(spotify_app(workspace, name="Old"), False)
    new = spotify_app(workspace, name="New", client_id=SPOTIFY_ID_2)
    assert services.active_app(workspace, "spotify") == new
    services.set_app_active(new, False)
    assert services.active_app(workspace, "spotify") is None
    assert old.pk


def test_it_finds_no_app_for_an_unconfigured_platform(workspace, outsider):
    spotify_app(outsider.memberships.get().workspace)
    assert services.active_app(workspace, "spotify") is None
    assert services.active_app(workspace, "deezer") is None


def test_it_summarizes_each_app(workspace):
    dev = spotify_app(workspace, name="Dev")
    connect_fans(dev, 3)
    connect_fans(dev, 1, status=ConnectionStatus.NEEDS_RECONNECT, start=3)
    ext = spotify_app(workspace, name="Ext", client_id=SPOTIFY_ID_2, mode="extended")
    connect_fans(ext, 2, start=10)
    apple_app(workspace)
    quotas = {q.app.name or q.app.platform: q for q in services.quota_summary(workspace)}
    q = quotas["Dev"]
    assert (q.connected, q.active_connections, q.needs_reconnect) == (4, 3, 1)
    assert (q.cap, q.remaining, q.percent) == (5, 1, 80)
    assert (q.at_cap, q.near_cap, q.has_room) == (False, True, True)
    q = quotas["Ext"]
    assert (q.connected, q.cap, q.remaining, q.percent) == (2, None, None, 0)
    assert (q.at_cap, q.near_cap, q.has_room) == (False, False, True)
    assert quotas["applemusic"].connected == 0


def test_it_summarizes_each_platform(workspace):
    a = spotify_app(workspace, name="A")
    b = spotify_app(workspace, name="B", client_id=SPOTIFY_ID_2)
    connect_fans(a, 5)
    connect_fans(b, 2, start=5)
    summary = {p.platform: p for p in services.platform_summary(services.quota_summary(workspace))}
    spotify = summary["spotify"]
    assert (spotify.apps, spotify.active_apps, spotify.connected, spotify.cap) == (2, 2, 7, 10)
    assert spotify.has_room
    services.set_app_active(b, False)
    spotify = {p.platform: p for p in services.platform_summary(services.quota_summary(workspace))}[
        "spotify"
    ]
    assert (spotify.active_apps, spotify.connected, spotify.cap, spotify.has_room) == (
        1,
        5,
        5,
        False,
    )
    assert not summary["deezer"].configured


def test_it_lists_active_apps_first_by_platform(workspace):
    deezer = deezer_app(workspace)
    old = services.set_app_active(spotify_app(workspace, name="Old"), False)
    new = spotify_app(workspace, name="New", client_id=SPOTIFY_ID_2)
    apple = apple_app(workspace)
    order = [q.app.pk for q in services.quota_summary(workspace)]
    assert order == [new.pk, apple.pk, deezer.pk, old.pk]


def test_it_counts_in_a_fixed_number_of_queries(workspace, django_assert_num_queries):
    for n in range(3):
        app = spotify_app(workspace, name=f"App {n}", client_id=f"{n:032x}")
        connect_fans(app, 2, start=10 * n)
    with django_assert_num_queries(1):
        quotas = services.quota_summary(workspace)
        assert [q.connected for q in quotas] == [2, 2, 2]
