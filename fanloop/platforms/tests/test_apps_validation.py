"""Bad credentials are refused field by field with a message saying what is expected, and
nothing is written: id formats, spaces inside values, oversize input, caps and budgets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import DEEZER_SECRET, SPOTIFY_ID, SPOTIFY_SECRET, p256_key


def _errors(workspace: Workspace, platform: str, **fields: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        services.create_app(workspace, platform, **fields)
    assert not PlatformApp.objects.exists()
    return {field: " ".join(messages) for field, messages in caught.value.message_dict.items()}


@pytest.mark.parametrize(
    "client_id",
    [
        "0123456789ABCDEF0123456789ABCDEF",  # upper case: not how Spotify shows it
        "0123456789abcdef0123456789abcde",  # 31
        "0123456789abcdef0123456789abcdef0",  # 33
        "0123456789abcdef0123456789abcdeg",
        "fanloop-client",
    ],
)
def test_it_wants_a_32_hex_spotify_client_id(workspace, client_id):
    errors = _errors(workspace, "spotify", client_id=client_id, client_secret=SPOTIFY_SECRET)
    assert "32 characters, digits 0 to 9 and letters a to f" in errors["client_id"]


def test_it_names_spaces_inside_a_value(workspace):
    errors = _errors(
        workspace, "spotify", client_id=SPOTIFY_ID, client_secret="half of it\nand more"
    )
    assert errors == {
        "client_secret": "The client secret contains spaces or line breaks: copy it again."
    }


def test_it_refuses_a_short_secret(workspace):
    errors = _errors(workspace, "deezer", client_id="555", client_secret="abc")
    assert "too short" in errors["client_secret"]


def test_it_refuses_an_oversize_secret(workspace):
    errors = _errors(workspace, "deezer", client_id="555", client_secret="x" * 201)
    assert "too long" in errors["client_secret"]


@pytest.mark.parametrize("app_id", ["abc", "12 34", "1" * 21, "-5"])
def test_it_wants_a_numeric_deezer_app_id(workspace, app_id):
    errors = _errors(workspace, "deezer", client_id=app_id, client_secret=DEEZER_SECRET)
    assert "client_id" in errors


@pytest.mark.parametrize("value", ["SHORT", "TEAM1234567", "TEAM_12345", "TÉAM123456"])
def test_it_wants_10_character_apple_ids(workspace, value):
    errors = _errors(workspace, "applemusic", team_id=value, key_id=value, private_key=p256_key())
    assert "10 characters, capital letters and digits" in errors["team_id"]
    assert "10 characters, capital letters and digits" in errors["key_id"]


def test_it_refuses_an_oversize_name(workspace):
    errors = _errors(
        workspace, "spotify", name="n" * 101, client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET
    )
    assert "under 100 characters" in errors["name"]


def test_it_refuses_a_development_app_without_a_cap(workspace):
    errors = _errors(
        workspace,
        "spotify",
        client_id=SPOTIFY_ID,
        client_secret=SPOTIFY_SECRET,
        mode="development",
        user_cap=None,
    )
    assert "Development-mode apps have a user cap" in errors["user_cap"]


def test_it_refuses_an_unknown_mode(workspace):
    errors = _errors(
        workspace, "spotify", client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET, mode="turbo"
    )
    assert errors == {"mode": "Choose development or extended mode."}


@pytest.mark.parametrize("field", ["user_cap", "budget_per_30s"])
@pytest.mark.parametrize("value", [0, -1, 10**9])
def test_it_refuses_out_of_range_numbers(workspace, field, value):
    errors = _errors(
        workspace, "spotify", client_id=SPOTIFY_ID, client_secret=SPOTIFY_SECRET, **{field: value}
    )
    assert field in errors


def test_it_refuses_an_unknown_platform(workspace):
    errors = _errors(workspace, "myspace", client_id="x")
    assert errors == {"platform": "Unknown platform “myspace”."}


def test_it_refuses_oversize_form_fields_in_the_page(owner_client, workspace):
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/spotify/",
        {
            "name": "n" * 5000,
            "client_id": "c" * 5000,
            "client_secret": "s" * 5000,
            "mode": "development",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 100 characters" in html
    assert "Ensure this value has at most 200 characters" in html
    assert "s" * 300 not in html
    assert not PlatformApp.objects.exists()


def test_it_reports_every_bad_field_at_once(owner_client, workspace):
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/spotify/",
        {"client_id": "nope", "client_secret": "x", "mode": "development", "user_cap": "0"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "32 characters, digits 0 to 9" in html
    assert "too short" in html
    assert "The user cap is a number from 1" in html
