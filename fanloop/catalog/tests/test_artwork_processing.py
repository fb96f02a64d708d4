"""Stored artwork is a clean JPEG: resized to fit, EXIF dropped, orientation applied."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from fanloop.catalog import validators
from fanloop.catalog.tests.conftest import image_bytes, upload
from fanloop.catalog.validators import process_artwork


def _open(content: ContentFile[bytes]) -> Image.Image:
    return Image.open(io.BytesIO(content.read()))


def test_it_fits_big_images_in_the_configured_square_keeping_the_aspect(
    settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(validators, "ARTWORK_SIZE_PX", 500)
    image = _open(process_artwork(upload(data=image_bytes(2000, 1000))))
    assert (image.format, image.size) == ("JPEG", (500, 250))


def test_it_does_not_enlarge_small_images(settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(validators, "ARTWORK_SIZE_PX", 1200)
    assert _open(process_artwork(upload(data=image_bytes(400, 400)))).size == (400, 400)


def test_it_strips_exif_and_applies_the_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "Secret Camera Maker"
    data = image_bytes(800, 400, fmt="JPEG", exif=exif.tobytes())
    image = _open(process_artwork(upload("c.jpg", data, "image/jpeg")))
    assert image.size == (400, 800)
    assert not image.getexif()
    assert "exif" not in image.info


def test_it_flattens_transparency_on_white():
    data = image_bytes(400, 400, fmt="PNG", mode="RGBA", color=(0, 0, 0, 0))
    image = _open(process_artwork(upload(data=data)))
    assert image.mode == "RGB"
    assert image.getpixel((200, 200)) == (255, 255, 255)


def test_it_names_files_after_their_content():
    first = process_artwork(upload(data=image_bytes(color=(1, 2, 3))))
    again = process_artwork(upload(data=image_bytes(color=(1, 2, 3))))
    other = process_artwork(upload(data=image_bytes(color=(9, 9, 9))))
    assert first.name == again.name != other.name
    assert str(first.name).endswith(".jpg")
