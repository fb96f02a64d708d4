"""``fanloop rotate_encryption_keys`` re-encrypts every secret (connection tokens and app
secrets) with the new first key: afterwards the old key can go; before, it could not."""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model

from fanloop.fans.models import PlatformConnection
from fanloop.lib import crypto
from fanloop.platforms.models import PlatformApp

from .conftest import connect, make_app

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def use_keys(settings):
    def use(*keys: str) -> None:
        settings.ENCRYPTION_KEYS = list(keys)
        crypto.reset_keys_cache()

    yield use
    crypto.reset_keys_cache()


def _raw(model: type[Model], pk: int, column: str) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def _rotate(**options: Any) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def secrets_under_old_key(workspace, use_keys):
    use_keys(OLD)
    app = make_app(workspace, "spotify", client_secret="app-secret")
    fans = [connect(app, f"fan{n}", access=f"AT-{n}", refresh=f"RT-{n}")[1] for n in range(5)]
    return app, fans


def test_it_needs_the_old_key_before_rotation(secrets_under_old_key, use_keys):
    app, _ = secrets_under_old_key
    use_keys(NEW)
    with pytest.raises(crypto.DecryptionError):
        PlatformApp.objects.get(pk=app.pk)
    with pytest.raises(crypto.DecryptionError):
        list(PlatformConnection.objects.all())


def test_it_rotates_every_secret_so_the_old_key_can_go(secrets_under_old_key, use_keys):
    app, connections = secrets_under_old_key
    before = _raw(PlatformConnection, connections[0].pk, "access_token")
    use_keys(NEW, OLD)
    output = _rotate(batch_size=2)  # several batches
    assert "fans.PlatformConnection.access_token: 5 rotated" in output
    assert "fans.PlatformConnection.refresh_token: 5 rotated" in output
    assert "platforms.PlatformApp.client_secret: 1 rotated" in output
    assert "Total: 11 rotated, 0 already current" in output
    assert _raw(PlatformConnection, connections[0].pk, "access_token") != before
    use_keys(NEW)
    assert PlatformApp.objects.get(pk=app.pk).client_secret == "app-secret"
    tokens = {(c.access_token, c.refresh_token) for c in PlatformConnection.objects.all()}
    assert tokens == {(f"AT-{n}", f"RT-{n}") for n in range(5)}


def test_it_is_idempotent(secrets_under_old_key, use_keys):
    use_keys(NEW, OLD)
    _rotate()
    raw = _raw(PlatformConnection, secrets_under_old_key[1][0].pk, "access_token")
    output = _rotate()
    assert "Total: 0 rotated, 11 already current" in output
    assert _raw(PlatformConnection, secrets_under_old_key[1][0].pk, "access_token") == raw


def test_it_reports_values_no_key_decrypts(secrets_under_old_key, use_keys):
    use_keys(NEW)  # the old key was dropped too early
    with pytest.raises(CommandError, match="No configured key decrypts"):
        _rotate()


def test_it_prints_a_new_key(capsys):
    out = io.StringIO()
    call_command("generate_encryption_key", stdout=out)
    key = out.getvalue().strip()
    Fernet(key.encode())  # a valid Fernet key
    assert key != Fernet.generate_key().decode()


def test_it_installs_a_new_first_key_in_the_data_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("FANLOOP_ENCRYPTION_KEYS", raising=False)
    settings.DATA_DIR = tmp_path
    (tmp_path / "encryption_keys").write_text(OLD)
    call_command("generate_encryption_key", install=True, stdout=io.StringIO())
    keys = (tmp_path / "encryption_keys").read_text().split(",")
    assert len(keys) == 2 and keys[1] == OLD and keys[0] != OLD
    Fernet(keys[0].encode())
