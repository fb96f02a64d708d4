"""The fans list: consents and connection statuses per fan, search by email or name, filters
by consent, platform and status, pagination, and clear empty states."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.fans.oauth_tokens import mark_needs_reconnect
from fanloop.fans.optin import subscribe_email

from .conftest import connect


def _get(client: Client, workspace: Workspace, **params: Any) -> Any:
    return client.get(reverse("fans:fan_list", kwargs={"ws": workspace.slug}), params)


def test_it_shows_each_fan_with_consents_and_connections(owner_client, workspace, connected):
    page = _get(owner_client, workspace).content.decode()
    assert "fan@example.org" in page and "Fan One" in page
    assert "Spotify" in page
    assert "Follow the artist" in page and "Emails from the artist" in page


def test_it_shows_pending_email_and_broken_connections(owner_client, workspace, spotify_app):
    fan, conn = connect(spotify_app, "fan9", email="nine@example.org")
    record_consent(fan, "email", True, page="/p")
    mark_needs_reconnect(conn, "invalid_grant")
    page = _get(owner_client, workspace).content.decode()
    assert "Email: waiting for confirmation" in page
    assert "Spotify: reconnect" in page


def test_it_searches_email_and_names(owner_client, workspace, spotify_app):
    connect(spotify_app, "a", email="ada@example.org", name="Ada")
    connect(spotify_app, "b", email="bob@example.org", name="Zed Fan")
    page = _get(owner_client, workspace, q="ADA@").content.decode()
    assert "ada@example.org" in page and "bob@example.org" not in page
    page = _get(owner_client, workspace, q="zed").content.decode()
    assert "bob@example.org" in page and "ada@example.org" not in page
    page = _get(owner_client, workspace, q="nobody").content.decode()
    assert "No fan matches these filters." in page


def test_it_filters_by_consent_platform_and_status(
    owner_client, workspace, spotify_app, deezer_app
):
    follower, _ = connect(spotify_app, "a", email="follower@example.org")
    record_consent(follower, "follow", True, page="/p")
    quitter, _ = connect(spotify_app, "b", email="quitter@example.org")
    record_consent(quitter, "follow", True, page="/p")
    record_consent(quitter, "follow", False, page="/me/")
    _, broken = connect(deezer_app, "dz", email="deezer@example.org")
    mark_needs_reconnect(broken, "token invalid")
    page = _get(owner_client, workspace, consent="follow").content.decode()
    assert "follower@example.org" in page and "quitter@example.org" not in page
    page = _get(owner_client, workspace, platform="deezer").content.decode()
    assert "deezer@example.org" in page and "follower@example.org" not in page
    page = _get(owner_client, workspace, status="needs_reconnect").content.decode()
    assert "deezer@example.org" in page and "quitter@example.org" not in page


def test_it_filters_notify_me_fans(owner_client, workspace, release, spotify_app):
    connect(spotify_app, "a", email="connected@example.org")
    subscribe_email(workspace, "mail@example.org", release=release, artist=None, page="/p")
    page = _get(owner_client, workspace, platform="email").content.decode()
    assert "mail@example.org" in page and "connected@example.org" not in page


def test_it_ignores_unknown_filter_values(owner_client, workspace, connected):
    response = _get(owner_client, workspace, consent="x", platform="<b>", status="y", page="zz")
    assert response.status_code == 200
    assert "fan@example.org" in response.content.decode()


def test_it_paginates(owner_client, workspace):
    Fan.objects.bulk_create(
        [Fan(workspace=workspace, email=f"fan{n:02}@example.org") for n in range(30)]
    )
    first = _get(owner_client, workspace).content.decode()
    assert "Page 1 of 2 · 30 in all" in first
    second = _get(owner_client, workspace, page=2).content.decode()
    assert first.count("@example.org</strong>") == 25
    assert second.count("@example.org</strong>") == 5


def test_it_has_an_empty_state(owner_client, workspace):
    page = _get(owner_client, workspace).content.decode()
    assert "No fans yet." in page


def test_it_runs_a_fixed_number_of_queries(
    owner_client, workspace, spotify_app, django_assert_max_num_queries
):
    for n in range(10):
        fan, _ = connect(spotify_app, f"u{n}", email=f"u{n}@example.org")
        record_consent(fan, "follow", True, page="/p")
    with django_assert_max_num_queries(15):
        _get(owner_client, workspace)
