"""Share tools of a release: its QR code, links per channel with UTM tags, and share images
(square for posts, 9:16 for stories) made from the artwork with Pillow."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from fanloop.catalog.accent import DEFAULT_ACCENT, text_on
from fanloop.catalog.models import Release

# (source, medium) per channel: how the audience panel will name the visits.
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("Instagram", "instagram", "social"),
    ("TikTok", "tiktok", "social"),
    ("YouTube", "youtube", "social"),
    ("X", "x", "social"),
    ("Facebook", "facebook", "social"),
    ("Newsletter", "newsletter", "email"),
    ("Posters and flyers (QR)", "qr", "print"),
)
UTM_VALUE = re.compile(r"[A-Za-z0-9._~-]{1,100}")
# Share image sizes: a square post and a 9:16 story, in pixels.
SIZES = {"square": (1080, 1080), "story": (1080, 1920)}
JPEG_QUALITY = 88


def tagged(url: str, source: str, medium: str, campaign: str) -> str:
    query = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    return f"{url}?{urlencode(query)}"


def channel_links(release: Release) -> list[tuple[str, str]]:
    """(channel, the page's link tagged for it) for each usual channel."""
    return [
        (label, tagged(release.public_url, source, medium, release.slug))
        for label, source, medium in CHANNELS
    ]


@dataclass(frozen=True)
class UtmRequest:
    source: str
    medium: str
    campaign: str


def check_utm(source: str, medium: str, campaign: str) -> tuple[UtmRequest | None, list[str]]:
    """The builder's values, or what is wrong with them."""
    errors = [
        f"{label}: 1 to 100 letters, digits, dots, hyphens or underscores."
        for label, value in (("Source", source), ("Medium", medium), ("Campaign", campaign))
        if not UTM_VALUE.fullmatch(value)
    ]
    return (None if errors else UtmRequest(source, medium, campaign)), errors


def qr_svg(url: str) -> str:
    """An SVG QR code of ``url`` (no XML declaration: fit to inline in a page)."""
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title=url)
    return out.getvalue().decode()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> tuple[str, int]:
    """``text`` at the largest size up to ``size`` fitting ``width`` (cut with … if needed)."""
    while size > 24:
        if draw.textlength(text, font=_font(size)) <= width:
            return text, size
        size -= 4
    while text and draw.textlength(text + "…", font=_font(size)) > width:
        text = text[:-1]
    return text + "…", size


def share_image(release: Release, kind: str, live: bool) -> bytes:
    """A JPEG of ``kind`` ("square" or "story"): the artwork over a blurred copy of itself
    (or the accent colour), the title, the artist and "Pre-save now" or "Out now"."""
    width, height = SIZES[kind]
    accent = release.accent_color or release.artwork_accent or DEFAULT_ACCENT
    canvas = Image.new("RGB", (width, height), accent)
    art: Image.Image | None = None
    if release.artwork:
        with release.artwork.open("rb") as file, Image.open(file) as opened:
            art = opened.convert("RGB")
        backdrop = ImageOps.fit(art, (width, height)).filter(ImageFilter.GaussianBlur(40))
        canvas.paste(Image.blend(backdrop, Image.new("RGB", (width, height), "#000000"), 0.35))
    side = int(width * (0.62 if kind == "square" else 0.8))
    top = int(height * (0.08 if kind == "square" else 0.14))
    left = (width - side) // 2
    if art is not None:
        canvas.paste(art.resize((side, side), Image.Resampling.LANCZOS), (left, top))
    draw = ImageDraw.Draw(canvas)
    ink = "#ffffff" if art is not None else text_on(accent)
    y = top + side + int(height * 0.03)
    for text, size in (
        (release.title, 64),
        (release.artist.name, 44),
        ("Out now" if live else "Pre-save now", 40),
    ):
        line, fitted = _fit(draw, text, width - 120, size)
        draw.text((width // 2, y), line, font=_font(fitted), fill=ink, anchor="ma")
        y += fitted + 24
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
