"""Geometry of the small inline SVG charts (no JavaScript): the one chart module.

Templates draw the rectangles computed here (``lib/templates`` has none: each page draws
``Chart.bars`` in its own ``<svg>``); the table under every chart carries the same numbers
for screen readers and for anyone who would rather read than look.

- ``stacked_bars``: one stacked bar per day (pre-saves per day and platform).
- ``horizontal_bars``: one bar per labelled value, longest first as given (a funnel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

WIDTH = 640
HEIGHT = 160
GAP = 1.0
# Row height of a horizontal bar chart, and the room its labels take on the left.
ROW_HEIGHT = 28
LABEL_WIDTH = 220
OTHER_COLOR = "#5b2be0"  # a column whose colour the caller does not give


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str
    # Horizontal charts write the label and the value beside the bar.
    label: str = ""
    value: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (label, color)
    label: str  # the chart's accessible name
    label_width: int = 0


class DayCounts(Protocol):
    """A day's counts per column key (e.g. ``fans.queries.DailyRow``)."""

    @property
    def day(self) -> dt.date: ...

    @property
    def counts(self) -> Mapping[str, int]: ...


def stacked_bars(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[DayCounts],
    colors: Mapping[str, str],
    what: str = "Pre-saves",
) -> Chart:
    """One stacked bar per day, ``columns`` (key, label) bottom-up in the table's order, each
    in its colour from ``colors`` (the platforms' own, say)."""

    def color_of(key: str) -> str:
        return colors.get(key, OTHER_COLOR)

    legend = [(label, color_of(key)) for key, label in columns]
    peak = max((sum(row.counts.values()) for row in rows), default=0)
    total = sum(sum(row.counts.values()) for row in rows)
    if not rows or peak == 0:
        return Chart(WIDTH, HEIGHT, [], legend, f"No {what.lower()} yet")
    step = WIDTH / len(rows)
    width = max(step - GAP, 0.5)
    scale = (HEIGHT - 2) / peak
    bars: list[Bar] = []
    for index, row in enumerate(rows):
        base = float(HEIGHT)
        for key, label in columns:
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
    first, last = rows[0].day, rows[-1].day
    label = (
        f"{what} per day from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{total} in all, at most {peak} in a day"
    )
    return Chart(WIDTH, HEIGHT, bars, legend, label)


def horizontal_bars(
    items: Sequence[tuple[str, float, str]], label: str, color: str = OTHER_COLOR
) -> Chart:
    """One bar per (label, value, value as text), scaled to the largest value."""
    height = ROW_HEIGHT * max(len(items), 1)
    peak = max((value for _, value, _ in items), default=0)
    room = WIDTH - LABEL_WIDTH - 80  # the value's text sits right of the bar
    bars = [
        Bar(
            x=LABEL_WIDTH,
            y=index * ROW_HEIGHT + 4,
            width=round(room * value / peak, 2) if peak else 0,
            height=ROW_HEIGHT - 8,
            color=color,
            title=f"{name}: {text}",
            label=name,
            value=text,
        )
        for index, (name, value, text) in enumerate(items)
    ]
    return Chart(WIDTH, height, bars, [], label, LABEL_WIDTH)
