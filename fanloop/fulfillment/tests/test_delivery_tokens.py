"""Tokens in a batch: a fan's access token about to expire is refreshed (through the
emulator) before the call and stored; the refresh tokens of the other fans are never
decrypted (they are loaded only when a refresh needs them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from emulator.testing import AdminClient
from fanloop.accounts.models import Workspace
from fanloop.fans.models import PlatformConnection
from fanloop.fulfillment import services
from fanloop.fulfillment.deliver import BatchRunner
from fanloop.fulfillment.models import Delivery, DeliveryState
from fanloop.lib import crypto

from .engine_helpers import scenario

pytestmark = pytest.mark.django_db(transaction=True)


def test_only_an_expiring_token_is_refreshed_and_only_its_refresh_token_read(
    admin: AdminClient,
    workspace: Workspace,
    engine_settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = scenario(admin, workspace, fans=4, live_in_s=0, follow=False)
    services.schedule_release(found.release)
    for _ in range(5):
        if services.tick(timezone.now()):
            break
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 4
    connections = list(PlatformConnection.objects.order_by("pk"))
    expiring, fresh = connections[0], connections[1:]
    PlatformConnection.objects.filter(pk=expiring.pk).update(
        token_expires_at=timezone.now() + dt.timedelta(seconds=60)
    )
    read: list[str] = []
    real_decrypt = crypto.decrypt

    def decrypt(token: str) -> str:
        plain = real_decrypt(token)
        read.append(plain)
        return plain

    monkeypatch.setattr(crypto, "decrypt", decrypt)
    admin.http.post("/stats/reset").raise_for_status()
    batch = str(Delivery.objects.values_list("batch", flat=True).first())

    counts = BatchRunner(found.app, batch).run()
    monkeypatch.undo()  # what the batch decrypted, not the checks below

    assert counts == {DeliveryState.DELIVERED: 4}
    album = f"spotify:album:{found.album_id}"
    saved = {s["user_id"] for s in admin.stats(detail=True)["saves"] if s["item"] == album}
    assert saved == set(found.users.values())
    refreshed = PlatformConnection.objects.get(pk=expiring.pk)
    assert refreshed.access_token != expiring.access_token
    assert refreshed.token_expires_at is not None
    assert refreshed.token_expires_at > timezone.now() + dt.timedelta(minutes=10)
    for connection in fresh:
        stored = PlatformConnection.objects.get(pk=connection.pk)
        assert stored.access_token == connection.access_token
        assert stored.token_expires_at == connection.token_expires_at
    # The batch read the access tokens and the one refresh token it needed, no other.
    assert expiring.refresh_token in read
    assert not {c.refresh_token for c in fresh} & set(read)
