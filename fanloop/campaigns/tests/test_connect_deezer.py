"""Deezer pre-save end to end over HTTP against the emulator: its connect flow, the
permissions asked for, and the stored pre-save (Deezer tokens do not expire)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fanloop.fans.models import PlatformConnection, PreSave

from .oauth_flow import Flow


def test_it_asks_deezer_for_the_library_permissions_only(flow: Flow) -> None:
    started = flow.start("deezer")
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["perms"] == ["basic_access,manage_library,offline_access"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/connect/deezer/callback"]


def test_it_records_the_deezer_presave(flow: Flow) -> None:
    _, back = flow.round_trip("deezer", email="dz@example.org")
    assert back.status_code == 302
    assert back["Location"] == "/nova-lights/midnight-signal/thanks"
    connection = PlatformConnection.objects.get()
    assert connection.platform == "deezer" and connection.platform_user_id == "9001"
    assert "manage_library" in connection.scope_set
    assert connection.token_expires_at is None
    presave = PreSave.objects.get()
    assert presave.platform == "deezer" and presave.connection == connection
