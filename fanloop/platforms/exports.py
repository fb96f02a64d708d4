"""The audience CSV exports artists download from each platform's artist tool, as fanloop
reads them (``insights/audience.py``): one row per day, a date column and one column per
metric (followers, listeners, streams).

The exact headers of the real exports are not published and were not verified against a
real file: each format lists the header names fanloop accepts (case and surrounding spaces
ignored), including a plain documented header (``date,followers,listeners,streams``) that
every source accepts. A column fanloop does not know is refused, not ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from fanloop.platforms.info import METRICS, PLAIN_HEADER
from fanloop.platforms.registry import audience_exports

__all__ = [
    "EXPORT_FORMATS",
    "METRICS",
    "PLAIN_HEADER",
    "ExportFormat",
    "export_choices",
    "snapshot_source",
]


@dataclass(frozen=True)
class ExportFormat:
    key: str  # the stored source key
    platform: str  # the platform key (registry) whose audience it counts
    label: str
    # Accepted header name (lower case) -> "date" or a metric.
    columns: dict[str, str]


# Each platform's exports, declared in its adapter module's INFO.
EXPORT_FORMATS: dict[str, ExportFormat] = {
    key: ExportFormat(key, platform, export.label, dict(export.columns))
    for key, (platform, export) in audience_exports().items()
}


def export_choices() -> list[tuple[str, str]]:
    return [(fmt.key, fmt.label) for fmt in EXPORT_FORMATS.values()]


def snapshot_source(platform: str) -> str:
    """The stored source key of the worker's follower snapshots from ``platform``'s API."""
    return f"api_{platform}"
