"""Artwork is checked by its real content: format, byte size, pixel size, integrity."""

from __future__ import annotations

import io
import struct
import zlib
from typing import IO

import pytest
from django.core.exceptions import ValidationError

from fanloop.catalog.tests.conftest import image_bytes, upload
from fanloop.catalog.validators import validate_artwork


def _message(file: IO[bytes]) -> str:
    with pytest.raises(ValidationError) as info:
        validate_artwork(file)
    return info.value.messages[0]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_accepts_real_images(fmt):
    validate_artwork(upload("cover.bin", image_bytes(fmt=fmt), "application/octet-stream"))


def test_it_judges_by_content_not_by_extension():
    validate_artwork(upload("cover.txt", image_bytes(fmt="JPEG"), "text/plain"))


def test_it_refuses_a_text_file_named_png():
    file = upload("cover.png", b"<html><script>alert(1)</script></html>", "image/png")
    assert _message(file).startswith("Artwork must be a JPEG, PNG or WebP image")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_it_refuses_other_image_formats(fmt):
    assert "JPEG, PNG or WebP" in _message(upload("c.png", image_bytes(fmt=fmt)))


def test_it_refuses_files_over_the_byte_limit(settings):
    settings.ARTWORK_MAX_BYTES = 1000
    assert _message(upload(data=image_bytes(fmt="PNG") + b"\0" * 2000)).startswith(
        "Artwork file is too large"
    )


def test_it_refuses_tiny_images():
    message = _message(upload(data=image_bytes(299, 800)))
    assert message.startswith("Artwork is too small: 299\u00d7800 pixels")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_it_refuses_decompression_bombs_without_decoding_them():
    assert "pixels" in _message(upload(data=_png_header_only(60000, 60000)))


def test_it_refuses_images_over_the_pixel_cap():
    message = _message(upload(data=_png_header_only(7000, 7000)))
    assert message.startswith("Artwork is 7000\u00d77000 pixels; the maximum is 36 megapixels")


def test_it_refuses_truncated_files():
    data = image_bytes(fmt="PNG")
    assert "damaged" in _message(upload(data=data[: len(data) // 2]))


def test_it_reads_plain_file_objects_too():
    validate_artwork(io.BytesIO(image_bytes()))
