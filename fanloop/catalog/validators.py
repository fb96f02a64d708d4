"""Validation of catalog identifiers (UPC/GTIN, ISRC) and of uploaded artwork.

Each error says what is wrong and what a valid value looks like; artwork is
re-encoded here so only clean, bounded JPEGs ever reach storage.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import warnings
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

from fanloop.catalog import artwork

UPC_LENGTHS = (12, 13)
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{2}[0-9]{5}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")

ARTWORK_FORMATS = ("JPEG", "PNG", "WEBP")
ARTWORK_MIN_PX = 300
# Decoding cost grows with pixels, not bytes: a tiny PNG can claim 50 000 x 50 000.
# 6000 x 6000 is the largest cover size distributors ask for.
ARTWORK_MAX_PIXELS = 6000 * 6000
ARTWORK_JPEG_QUALITY = 88
# Artwork is re-encoded to fit in this square (pixels). Not measured for quality; chosen as
# sharp on high-density screens at page sizes. bench/artwork_memory.py measures the memory
# re-encoding costs.
ARTWORK_SIZE_PX = 1200
# Decoding and re-encoding happen in a child process (see ``artwork``), given this long.
ARTWORK_TIMEOUT_SECONDS = 60


# --- UPC / GTIN ---------------------------------------------------------------


def normalize_upc(value: str) -> str:
    """Drop the spaces and hyphens people paste from distributor sheets."""
    return _SEPARATORS.sub("", value or "")


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for ``body`` (the GTIN without its last digit).

    Weights alternate 3, 1, 3, … starting from the rightmost digit of the body.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_upc(value: str) -> None:
    """Accept a GTIN-12 (UPC-A) or GTIN-13 (EAN) whose check digit is right."""
    digits = normalize_upc(value)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            "UPC may contain only digits (spaces and hyphens are ignored).", code="upc_chars"
        )
    if len(digits) not in UPC_LENGTHS:
        raise ValidationError(
            "UPC must have 12 or 13 digits (got %(count)d).",
            code="upc_length",
            params={"count": len(digits)},
        )
    expected = gtin_check_digit(digits[:-1])
    got = int(digits[-1])
    if expected != got:
        raise ValidationError(
            "UPC check digit is wrong: expected %(expected)d, got %(got)d. "
            "Check the number for a typo.",
            code="upc_check_digit",
            params={"expected": expected, "got": got},
        )


# --- ISRC -----------------------------------------------------------------------


def normalize_isrc(value: str) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def validate_isrc(value: str) -> None:
    """ISO 3901: CC-XXX-YY-NNNNN (country, registrant, year, designation)."""
    isrc = normalize_isrc(value)
    if not ISRC_RE.match(isrc):
        raise ValidationError(
            "ISRC “%(value)s” is not valid: it must look like CC-XXX-YY-NNNNN, "
            "a 2-letter country code, a 3-character registrant code (letters or digits), "
            "2 digits for the year and 5 digits, e.g. US-S1Z-99-00001 (12 characters, "
            "hyphens optional).",
            code="isrc_format",
            params={"value": value.strip()[:40]},
        )


# --- artwork --------------------------------------------------------------------


def _open(file: IO[bytes], label: str) -> Image.Image:
    """Open ``file`` as one of the accepted formats, whatever its name or content type."""
    file.seek(0)
    try:
        # Decompression bombs are refused before any pixel is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(file, formats=ARTWORK_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has far too many pixels to process safely.", code="artwork_bomb"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(
            "%(label)s must be a JPEG, PNG or WebP image; this file is not one of those "
            "(the file's name or extension does not matter, its content does).",
            code="artwork_format",
            params={"label": label},
        ) from None


def validate_artwork(file: IO[bytes], label: str = "Artwork") -> None:
    """Refuse anything but a sane, real JPEG/PNG/WebP of at least 300 x 300 pixels.

    ``label`` names the picture in messages ("Artwork", "Artist image").
    """
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > settings.ARTWORK_MAX_BYTES:
        raise ValidationError(
            "%(label)s file is too large: %(size)s; the maximum is %(max)s.",
            code="artwork_too_big",
            params={
                "label": label,
                "size": filesizeformat(size),
                "max": filesizeformat(settings.ARTWORK_MAX_BYTES),
            },
        )
    with _open(file, label) as image:
        width, height = image.size
        if width * height > ARTWORK_MAX_PIXELS:
            raise ValidationError(
                "%(label)s is %(w)d\u00d7%(h)d pixels; the maximum is 36 megapixels "
                "(e.g. 6000\u00d76000). Export it smaller.",
                code="artwork_too_many_pixels",
                params={"label": label, "w": width, "h": height},
            )
        if width < ARTWORK_MIN_PX or height < ARTWORK_MIN_PX:
            raise ValidationError(
                "%(label)s is too small: %(w)d\u00d7%(h)d pixels; it must be at least "
                "%(min)d\u00d7%(min)d (3000\u00d73000 is what stores recommend).",
                code="artwork_too_small",
                params={"label": label, "w": width, "h": height, "min": ARTWORK_MIN_PX},
            )
        try:
            image.verify()
        except Exception:  # Pillow raises many types for corrupt data
            raise _damaged() from None


def _damaged() -> ValidationError:
    return ValidationError(
        "This image file is damaged or incomplete; export it again and re-upload.",
        code="artwork_damaged",
    )


def process_artwork(file: IO[bytes], label: str = "Artwork") -> ContentFile[bytes]:
    """Validate, then re-encode as a clean sRGB JPEG fitting in ARTWORK_SIZE_PX square.

    EXIF (GPS, camera, orientation) is applied then dropped. The name is a hash of
    the output, so it changes whenever the picture does and can be cached forever.
    """
    validate_artwork(file, label)
    file.seek(0)
    try:
        child = subprocess.run(
            [
                sys.executable, "-I", "-m", "fanloop.catalog.artwork",
                str(ARTWORK_SIZE_PX), str(ARTWORK_JPEG_QUALITY),
            ],
            input=file.read(),
            capture_output=True,
            timeout=ARTWORK_TIMEOUT_SECONDS,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ValidationError(
            "%(label)s took too long to process; export it smaller and re-upload.",
            code="artwork_too_slow",
            params={"label": label},
        ) from None
    if child.returncode == artwork.EXIT_MEMORY:
        raise ValidationError(
            "%(label)s needs too much memory to process; export it smaller and re-upload.",
            code="artwork_too_much_memory",
            params={"label": label},
        )
    if child.returncode != 0 or not child.stdout:
        raise _damaged()
    data = child.stdout
    name = hashlib.sha256(data).hexdigest()[:24] + ".jpg"
    return ContentFile(data, name=name)
