"""The fan's portal shows their connections, consents (with the wording they agreed to) and
pre-saves, explains that platforms have no revoke API, and is never cached or indexed."""

from __future__ import annotations

from pathlib import Path

from django.test import Client

from fanloop.fans.rights import portal_url


def test_it_shows_everything_kept_about_the_fan(connected, release):
    fan, _ = connected
    response = Client().get(portal_url(fan))
    assert response.status_code == 200
    page = response.content.decode()
    assert "fan@example.org" in page
    assert "Spotify" in page and "Fan One" in page and "add to your library" in page
    assert "Follow The Lanterns on my streaming account." in page
    assert "Send me emails from The Lanterns" in page
    assert "First Light" in page
    assert "https://www.spotify.com/account/apps/" in page
    assert "offers no way for an app to give back its access" in page
    assert 'name="viewport"' in page


def test_it_is_private_and_sends_its_address_to_no_other_site(connected):
    response = Client().get(portal_url(connected[0]))
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    # same-origin, not no-referrer: the portal's forms must post with their real Origin.
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()


def test_it_has_an_empty_state(release, workspace):
    from fanloop.fans.optin import subscribe_email

    fan = subscribe_email(
        workspace, "quiet@example.org", release=None, artist=None, page="/p", notify_me=False
    )
    page = Client().get(portal_url(fan)).content.decode()
    assert "No streaming account is connected." in page
    assert "No pre-saves." in page
    assert "waiting for your confirmation" in page


def test_it_links_apple_music_users_to_their_settings(apple_app):
    from .conftest import connect

    fan, _ = connect(apple_app, None, refresh=None)
    page = Client().get(portal_url(fan)).content.decode()
    assert "Media &amp; Apple Music" in page


def test_it_is_titled_with_the_artist_the_fan_knows_not_the_workspace(connected, workspace):
    fan, _ = connected
    page = Client().get(portal_url(fan)).content.decode()
    assert "<title>Your data with The Lanterns</title>" in page
    assert "<h1>Your data with The Lanterns</h1>" in page
    assert workspace.name not in page


def test_it_names_several_artists_and_falls_back_to_the_workspace(connected, workspace):
    from fanloop.catalog.services import create_artist
    from fanloop.fans.consent_log import record_consent
    from fanloop.fans.models import ConsentKind
    from fanloop.fans.portal import artists_of

    fan, _ = connected
    for name in ("Moth Choir", "Kite Season", "Pale Harbour"):
        artist = create_artist(workspace, name=name)
        record_consent(fan, ConsentKind.FOLLOW, True, artist=artist, page="/p")
    assert artists_of(fan) == "The Lanterns, Moth Choir and 2 more"
    stranger = type(fan).objects.create(workspace=workspace, email="new@example.org")
    assert artists_of(stranger) == workspace.name


def test_it_looks_like_the_other_fan_pages(connected):
    """Dark like the release, thank-you and action pages (the dashboard is light)."""
    page = Client().get(portal_url(connected[0])).content.decode()
    assert '<body class="portal">' in page
    from django.contrib.staticfiles import finders

    css = Path(str(finders.find("fanloop/app.css"))).read_text()
    assert "body.portal { color-scheme:dark;" in css
