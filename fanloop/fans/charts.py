"""Geometry of the tiny inline SVG bar chart of pre-saves per day (no JavaScript).

The template draws the rectangles computed here; the table next to it carries the same
numbers for screen readers and for anyone who would rather read than look.
"""

from __future__ import annotations

from dataclasses import dataclass

from fanloop.fans.queries import PresaveSeries

WIDTH = 640
HEIGHT = 160
GAP = 1.0
COLORS = {
    "spotify": "#1db954",
    "applemusic": "#fa243c",
    "deezer": "#a238ff",
    "email": "#8a8a8a",
}
OTHER_COLOR = "#5b2be0"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (label, color)
    label: str  # the chart's accessible name


def color_of(platform: str) -> str:
    return COLORS.get(platform, OTHER_COLOR)


def stacked_bars(series: PresaveSeries) -> Chart:
    """One stacked bar per day, platforms bottom-up in the table's column order."""
    legend = [(label, color_of(key)) for key, label in series.columns]
    if not series.rows or series.peak == 0:
        return Chart(WIDTH, HEIGHT, [], legend, "No pre-saves yet")
    step = WIDTH / len(series.rows)
    width = max(step - GAP, 0.5)
    scale = (HEIGHT - 2) / series.peak
    bars: list[Bar] = []
    for index, row in enumerate(series.rows):
        base = float(HEIGHT)
        for key, label in series.columns:
            count = row.counts.get(key, 0)
            if not count:
                continue
            height = count * scale
            base -= height
            bars.append(
                Bar(
                    x=round(index * step, 2),
                    y=round(base, 2),
                    width=round(width, 2),
                    height=round(height, 2),
                    color=color_of(key),
                    title=f"{row.day:%d %b %Y}: {count} on {label}",
                )
            )
    first, last = series.rows[0].day, series.rows[-1].day
    label = (
        f"Pre-saves per day from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{series.total} in all, at most {series.peak} in a day"
    )
    return Chart(WIDTH, HEIGHT, bars, legend, label)
