"""Catalog test helpers: artists and releases built through the services, real images.

Uploaded files go to a temporary MEDIA_ROOT per test.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release

SPOTIFY_ARTIST = "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF?si=abc123"
VALID_UPC = "036000291452"  # GTIN-12 with a right check digit
VALID_EAN = "4006381333931"  # GTIN-13


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(
    width: int = 600,
    height: int = 600,
    fmt: str = "PNG",
    mode: str = "RGB",
    color=(200, 30, 30),
    **save_args,
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, fmt, **save_args)
    return buffer.getvalue()


def upload(name: str = "cover.png", data: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(), content_type)


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="Alice Band", platform_links={"spotify": SPOTIFY_ARTIST})


@pytest.fixture
def release(artist: Artist) -> Release:
    return create_release(
        artist,
        {"title": "First Light", "release_date": dt.date(2026, 12, 4), "upc": VALID_UPC},
        [{"title": "First Light", "isrc": "USS1Z9900001"}],
    )


@pytest.fixture
def other_workspace(outsider: User) -> Workspace:
    return outsider.memberships.get().workspace


@pytest.fixture
def other_artist(other_workspace: Workspace) -> Artist:
    return create_artist(other_workspace, name="Mallory")


@pytest.fixture
def other_release(other_artist: Artist) -> Release:
    return create_release(other_artist, {"title": "Secret", "release_date": dt.date(2026, 1, 9)})
