"""Facts per fan and release, rolled up from the fan event log (``rollup.py``).

One ``ReleaseFacts`` row per (fan, release) the fan event log names: where the fan came
from (the pre-save's attribution), what the fan did (only ``actor=fan`` events count as
the fan's acts), what fanloop did for the fan (delivery, a follow at delivery) and what the
library checks found. ``RollupMark`` is the high-water mark: the last ``FanEvent.id``
folded in, so a catch-up reads only events newer than it.
"""

from __future__ import annotations

from django.db import models

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan


class Kept(models.TextChoices):
    """What the library checks found of the release-day save, latest first."""

    KEPT_30D = "kept_30d", "Kept 30 days"
    KEPT_7D = "kept_7d", "Kept 7 days"
    REMOVED = "removed", "Removed"
    UNKNOWN = "unknown", "Not checked"


class ReleaseFacts(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+", db_index=False)
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="+", db_index=False)
    release = models.ForeignKey(Release, models.CASCADE, related_name="+", db_index=False)
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="+")
    # Source: the first pre-save's attribution (the visit that won the fan for this release).
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=10, blank=True)
    visitor_id = models.CharField(max_length=16, blank=True)
    # The first pre-save's platform ("" without a pre-save).
    platform = models.CharField(max_length=20, blank=True)
    presaved_at = models.DateTimeField(null=True, blank=True)
    delivered = models.BooleanField(default=False)
    kept = models.CharField(max_length=10, choices=Kept.choices, default=Kept.UNKNOWN)
    tracks_saved = models.PositiveIntegerField(default=0)
    one_click_saves = models.PositiveIntegerField(default=0)
    email_opens = models.PositiveIntegerField(default=0)
    email_clicks = models.PositiveIntegerField(default=0)
    follows_by_fan = models.PositiveIntegerField(default=0)
    follows_at_delivery = models.PositiveIntegerField(default=0)
    # The fan's own engaging acts (not opens, not removals): the first one, and whether one
    # fell in the release week (release instant to +7 days).
    first_act_at = models.DateTimeField(null=True, blank=True)
    release_week_act = models.BooleanField(default=False)
    score = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fan", "release"], name="one_fact_row_per_fan_release")
        ]
        indexes = [
            models.Index(fields=["release", "presaved_at"], name="facts_release_presaved"),
            models.Index(fields=["artist", "release"], name="facts_artist_release"),
            models.Index(fields=["workspace", "artist"], name="facts_workspace_artist"),
        ]

    def __str__(self) -> str:
        return f"facts of fan {self.fan_id} on release {self.release_id}"


class RollupMark(models.Model):
    """The last fan event folded into the facts (one row per rollup name)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at event {self.last_event_id}"


class ScoreCalibration(models.Model):
    """A workspace's engagement-score points, recalibrated from its leverage table
    (``calibration.py``); flows scores with them instead of the default points."""

    workspace = models.OneToOneField(Workspace, models.CASCADE, related_name="+")
    points = models.JSONField(default=dict)  # {fan event kind: points}
    applied_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"score points of workspace {self.workspace_id}"


class AudiencePoint(models.Model):
    """One day's audience figure of an artist from one source: a follower snapshot the worker
    took from a platform's API, or a line of an audience CSV export the artist imported
    (``audience.py``). Re-importing the same day, source and metric overwrites it."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+", db_index=False)
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    source = models.CharField(max_length=40)  # a key of ``audience.SOURCES``
    metric = models.CharField(max_length=12)  # followers, listeners or streams
    value = models.BigIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artist", "source", "metric", "day"], name="one_audience_point_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} of artist {self.artist_id} on {self.day} ({self.source})"


class LeverageGroup(models.Model):
    """One group of the leverage table's pair query, stored (``leverage_results.py``): for
    an artist's consecutive releases N and N+1, the fans known at N who share what their
    facts row on N holds, whether they acted on N+1 by its deadline, and their source on N."""

    artist = models.ForeignKey(Artist, models.CASCADE, related_name="+")
    release = models.ForeignKey(Release, models.CASCADE, related_name="+", db_index=False)
    following = models.ForeignKey(Release, models.CASCADE, related_name="+", db_index=False)
    on_release = models.BooleanField()  # the fan has a facts row on N
    presaved = models.BooleanField()
    kept = models.CharField(max_length=10, blank=True)
    tracks = models.BooleanField()
    one_click = models.BooleanField()
    follows = models.BooleanField()
    email_clicks = models.BooleanField()
    acted = models.BooleanField()
    release_week_act = models.BooleanField()
    came_back = models.BooleanField()  # acted on N+1 within 30 days of its release
    utm_source = models.CharField(max_length=100, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)
    fans = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.fans} fans of releases {self.release_id} → {self.following_id}"


class LeverageState(models.Model):
    """When an artist's stored leverage groups were computed, and whether they still hold:
    ``changes`` counts the rollup's writes to the artist's facts, ``computed_changes`` is
    its value when the groups were computed, ``releases`` the releases (order and release
    instants) they were computed for."""

    artist = models.OneToOneField(Artist, models.CASCADE, related_name="+")
    changes = models.BigIntegerField(default=0)
    computed_changes = models.BigIntegerField(default=-1)
    releases = models.TextField(blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"leverage of artist {self.artist_id} as of {self.computed_at}"


class DailyVisitors(models.Model):
    """Distinct visitors of one release on one closed UTC day, for one kind of page event
    and one value of a funnel breakdown (``daily_visitors.py``): ``breakdown`` "" is the
    day's total, "source" has (UTM source, referrer host), the others one value."""

    release = models.ForeignKey(Release, models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    kind = models.CharField(max_length=20)
    breakdown = models.CharField(max_length=10, blank=True)
    value = models.CharField(max_length=100, blank=True)
    host = models.CharField(max_length=253, blank=True)
    visitors = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["release", "day"], name="daily_visitors_release_day")]

    def __str__(self) -> str:
        return f"{self.visitors} visitors of release {self.release_id} on {self.day}"


class DailyVisitorsMark(models.Model):
    """The last day of a release whose page events ``DailyVisitors`` holds."""

    release = models.OneToOneField(Release, models.CASCADE, related_name="+")
    through = models.DateField()

    def __str__(self) -> str:
        return f"release {self.release_id} through {self.through}"
