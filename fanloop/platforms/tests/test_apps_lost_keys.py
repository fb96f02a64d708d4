"""When the encryption key of stored secrets is gone (rotated away by mistake), the pages
still work, the check says so, and entering the secret again recovers the app."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from fanloop.lib.crypto import reset_keys_cache
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import SPOTIFY_ID, spotify_app


@pytest.fixture
def lost_key(settings):
    """Swap the encryption keys for an unrelated one; the old ones come back afterwards."""

    def lose() -> None:
        settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        reset_keys_cache()

    yield lose
    reset_keys_cache()  # the settings fixture restores the keys after this


def test_it_says_the_secret_cannot_be_decrypted(workspace, lost_key):
    app = spotify_app(workspace)
    lost_key()
    stored = PlatformApp.objects.defer("client_secret", "private_key").get(pk=app.pk)
    check = services.check_connection(stored)
    assert not check.ok
    assert "cannot be decrypted with the configured encryption keys" in check.message


def test_it_still_shows_the_pages(owner_client, workspace, lost_key):
    app = spotify_app(workspace)
    lost_key()
    for url in ("", f"{app.pk}/edit/", f"{app.pk}/delete/"):
        assert owner_client.get(f"/w/{workspace.slug}/platforms/{url}").status_code == 200


def test_it_recovers_when_the_secret_is_entered_again(owner_client, workspace, lost_key):
    app = spotify_app(workspace)
    lost_key()
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/{app.pk}/edit/",
        {
            "name": "Main",
            "client_id": SPOTIFY_ID,
            "client_secret": "entered-again-123",
            "mode": "development",
            "user_cap": "5",
        },
    )
    assert response.status_code == 302
    assert PlatformApp.objects.get(pk=app.pk).client_secret == "entered-again-123"
