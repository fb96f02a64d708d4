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

METRICS = ("followers", "listeners", "streams")
PLAIN_HEADER = {"date": "date", **{metric: metric for metric in METRICS}}


@dataclass(frozen=True)
class ExportFormat:
    key: str  # the stored source key
    platform: str  # the platform key (registry) whose audience it counts
    label: str
    # Accepted header name (lower case) -> "date" or a metric.
    columns: dict[str, str]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat(
            "spotify_for_artists",
            "spotify",
            "Spotify for Artists (audience timeline)",
            {**PLAIN_HEADER},
        ),
        ExportFormat(
            "apple_music_for_artists",
            "applemusic",
            "Apple Music for Artists",
            {**PLAIN_HEADER, "plays": "streams"},
        ),
        ExportFormat(
            "deezer_for_creators",
            "deezer",
            "Deezer for Creators",
            {**PLAIN_HEADER, "fans": "followers"},
        ),
    )
}


def export_choices() -> list[tuple[str, str]]:
    return [(fmt.key, fmt.label) for fmt in EXPORT_FORMATS.values()]


def snapshot_source(platform: str) -> str:
    """The stored source key of the worker's follower snapshots from ``platform``'s API."""
    return f"api_{platform}"
