"""The accent colour of a release page, taken from its artwork with Pillow.

Runs on the processed artwork (a JPEG of at most ``ARTWORK_SIZE_PX``), decoded at a
reduced scale: a few milliseconds, in the web process.
"""

from __future__ import annotations

import colorsys
import io

from PIL import Image

# The artwork is shrunk to this many pixels a side before its colours are counted.
SAMPLE_PX = 48
PALETTE = 8
# The accent of a release without artwork or chosen colour.
DEFAULT_ACCENT = "#8c7cf0"


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def accent_of(data: bytes) -> str:
    """The artwork's most present vivid colour as "#rrggbb" ("" when it cannot be read).

    Each of the main colours scores its share of the picture times its saturation (greys
    and near-black or near-white areas score little), so a cover mostly black with a red
    title gets red."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (SAMPLE_PX * 4, SAMPLE_PX * 4))
            small = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return ""
    small.thumbnail((SAMPLE_PX, SAMPLE_PX))
    quantized = small.quantize(colors=PALETTE, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    best, best_score = (128, 128, 128), -1.0
    for count, index in quantized.getcolors() or []:
        i = int(index)  # type: ignore[arg-type]  # a palette image's colours are indexes
        rgb = (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
        _, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
        vivid = saturation * (1 - abs(2 * lightness - 1))  # chroma: 0 for grey, black, white
        score = count * (0.05 + vivid)
        if score > best_score:
            best, best_score = rgb, score
    return _hex(best)


def text_on(color: str) -> str:
    """Black or white, whichever reads better on ``color`` ("#rrggbb")."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return "#000000" if luminance > 0.179 else "#ffffff"
