"""The platforms page states a development-mode app's allow-list (mirrored from the platform's
dashboard) and warns, before any fan meets it, when the platform would refuse the redirect URI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from fanloop import settings as project_settings
from fanloop.platforms.spotify import redirect_uri_refusal

from .app_factories import SPOTIFY_ID, deezer_app, spotify_app


def _list(client, workspace) -> str:
    response = client.get(f"/w/{workspace.slug}/platforms/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("uri", "refused"),
    [
        ("http://127.0.0.1:8000/connect/spotify/callback", False),
        ("http://[::1]:8000/connect/spotify/callback", False),
        ("https://fans.example.org/connect/spotify/callback", False),
        ("http://localhost:8000/connect/spotify/callback", True),
        ("https://localhost/connect/spotify/callback", True),
        ("http://fans.example.org/connect/spotify/callback", True),
        ("http://127.0.0.1:notaport/x", True),
    ],
)
def test_the_adapter_knows_spotifys_redirect_uri_rules(uri: str, refused: bool) -> None:
    assert bool(redirect_uri_refusal(uri)) is refused


@pytest.mark.parametrize(
    ("site", "why"),
    [
        ("http://localhost:8000", "Spotify refuses localhost"),
        ("http://fans.example.org", "plain http only for 127.0.0.1"),
    ],
)
def test_the_page_warns_when_spotify_would_refuse_the_redirect_uri(
    owner_client, workspace, settings, site, why
) -> None:
    settings.SITE_URL = site
    html = _list(owner_client, workspace)
    assert 'id="redirect-refused-spotify"' in html and why in html
    assert 'id="redirect-refused-deezer"' not in html  # Deezer has no such rule
    form = owner_client.get(f"/w/{workspace.slug}/platforms/new/spotify/").content.decode()
    assert 'id="redirect-refused"' in form and why in form


@pytest.mark.parametrize("site", ["http://127.0.0.1:8000", "https://fans.example.org"])
def test_no_warning_for_an_address_spotify_accepts(owner_client, workspace, settings, site):
    settings.SITE_URL = site
    assert "redirect-refused" not in _list(owner_client, workspace)


def test_the_default_site_url_is_one_spotify_accepts() -> None:
    source = Path(project_settings.__file__).read_text()
    found = re.search(r'env_str\("SITE_URL", "([^"]+)"\)', source)
    assert found is not None
    assert found.group(1) == "http://127.0.0.1:8000"
    assert redirect_uri_refusal(found.group(1) + "/connect/spotify/callback") == ""


def test_owners_keep_the_allow_list_and_the_page_states_who_can_connect(
    owner_client, workspace
) -> None:
    app = spotify_app(workspace)
    form = {
        "name": "Main",
        "client_id": SPOTIFY_ID,
        "client_secret": "",
        "mode": "development",
        "user_cap": "5",
        "budget_per_30s": "",
        "allowed_emails": "Me@Example.org\ntester@example.org, me@example.org",
    }
    response = owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/edit/", form)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.allowed_emails == ["me@example.org", "tester@example.org"]
    html = _list(owner_client, workspace)
    assert "Development mode: only the accounts on this app's allow-list can connect" in html
    assert "me@example.org, tester@example.org." in html
    assert "Every other fan is offered the email reminder" in html
    six = "\n".join(f"f{n}@example.org" for n in range(6))
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/{app.pk}/edit/", {**form, "allowed_emails": six}
    )
    assert response.status_code == 400
    assert "at most 5 accounts" in response.content.decode()
    bad = owner_client.post(
        f"/w/{workspace.slug}/platforms/{app.pk}/edit/", {**form, "allowed_emails": "nope"}
    )
    assert bad.status_code == 400 and "is not an email address" in bad.content.decode()
    app.refresh_from_db()
    assert app.allowed_emails == ["me@example.org", "tester@example.org"]


def test_an_editor_cannot_change_the_allow_list(editor_client, outsider_client, workspace):
    app = spotify_app(workspace)
    url = f"/w/{workspace.slug}/platforms/{app.pk}/edit/"
    data = {"client_id": SPOTIFY_ID, "mode": "development", "allowed_emails": "x@example.org"}
    assert editor_client.post(url, data).status_code == 403
    assert outsider_client.post(url, data).status_code in (403, 404)
    app.refresh_from_db()
    assert app.allowed_emails == []


def test_extended_and_other_platforms_have_no_allow_list(owner_client, workspace) -> None:
    extended = spotify_app(workspace, mode="extended", user_cap=None)
    deezer = deezer_app(workspace, allowed_emails=["a@example.org"])
    assert not extended.serves_allow_list_only and not deezer.serves_allow_list_only
    assert deezer.allowed_emails == []
    assert "allow-list can connect" not in _list(owner_client, workspace)
    with pytest.raises(ValidationError):
        spotify_app(workspace, client_id="f" * 32, allowed_emails=["a@", "b"])
    dev = spotify_app(workspace, client_id="e" * 32, allowed_emails=["A@example.org"])
    assert dev.serves_allow_list_only and dev.allowed_emails == ["a@example.org"]
