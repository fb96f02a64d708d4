"""Artwork decoding and re-encoding, run in a short-lived child process.

Decoding a 6000x6000 PNG or WebP takes 400-700 MB for a moment; in a web process that
memory would be the process's high-water mark from then on. ``python -m
fanloop.catalog.artwork <size> <quality>`` reads the upload on stdin and writes the JPEG
on stdout, under an address-space limit, and gives everything back when it exits. Only
Pillow is imported here, so the child starts in a fraction of a second.
"""

from __future__ import annotations

import io
import resource
import sys

from PIL import Image, ImageCms, ImageOps

FORMATS = ("JPEG", "PNG", "WEBP")
# Address space of the child: about twice the worst case measured (a 36 MP WebP).
MEMORY_LIMIT_BYTES = 2 * 1024**3
EXIT_MEMORY = 2
EXIT_DAMAGED = 3


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert embedded colour profiles (Display P3, Adobe RGB) to sRGB before dropping them."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile is not worth refusing the artwork for
    return converted if converted is not None else image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and covers are shown on light backgrounds."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def render(data: bytes, target: int, quality: int) -> bytes:
    """A clean sRGB JPEG of ``data`` fitting in a ``target`` square (EXIF applied, dropped)."""
    original = Image.open(io.BytesIO(data), formats=FORMATS)
    try:
        if original.format == "JPEG":
            # Let libjpeg decode at a reduced scale: much less memory for big covers.
            original.draft("RGB", (target, target))
        original.load()
        image = _flatten(_to_srgb(ImageOps.exif_transpose(original)))
        image.thumbnail((target, target), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    finally:
        original.close()
    return out.getvalue()


def main(argv: list[str]) -> int:
    target, quality = int(argv[0]), int(argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    data = sys.stdin.buffer.read()
    try:
        jpeg = render(data, target, quality)
    except MemoryError:
        return EXIT_MEMORY
    except Exception:  # truncated or corrupt data surfaces only when decoding
        return EXIT_DAMAGED
    sys.stdout.buffer.write(jpeg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
