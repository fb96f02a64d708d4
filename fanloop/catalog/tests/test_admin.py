"""The admin lists and opens artists, releases (with track rows) and tracks."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.accounts.models import User


@pytest.fixture
def admin_client_(db):
    client = Client()
    client.force_login(User.objects.create_superuser("root@example.org", "pw-123456789"))
    return client


@pytest.mark.parametrize("model", ["artist", "release", "track"])
def test_changelists_render(admin_client_, release, model):
    assert admin_client_.get(f"/admin/catalog/{model}/").status_code == 200


def test_the_release_page_shows_its_tracks(admin_client_, release):
    response = admin_client_.get(f"/admin/catalog/release/{release.pk}/change/")
    assert response.status_code == 200
    assert b"USS1Z9900001" in response.content
