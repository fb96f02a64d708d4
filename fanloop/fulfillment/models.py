"""Release-day delivery: per-platform detection, per-market waves, one delivery per fan.

``ReleasePlatform``  one per (release, platform): where detection stands, the platform ids.
``MarketWave``       one per (release, platform, market instant): detection polls and the
                     delivery of the fans of that market ("" = the one global instant).
``Delivery``         one per (release, fan, platform): the outcome, written idempotently.
``RateGate``         one per platform app: the shared call pacer and the 429 pause, read
                     and written under a row lock by every worker.
"""

from __future__ import annotations

from django.db import models

from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PlatformConnection
from fanloop.lib.timestamps import Timestamped
from fanloop.platforms.models import PlatformApp


class DetectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DETECTING = "detecting", "Looking for the release"
    LIVE = "live", "Live"
    NOT_FOUND = "not_found", "Not found"


class DetectionSource(models.TextChoices):
    LOOKUP = "lookup", "Catalog lookup"
    MANUAL = "manual", "Pasted by a member"
    ARTIST_CHECK = "artist_check", "Daily check of the artist's albums"


class PrecheckStatus(models.TextChoices):
    UNKNOWN = "unknown", "Not checked yet"
    FOUND = "found", "Found by UPC"
    MISSING = "missing", "Not found by UPC"
    ERROR = "error", "Lookup failed"


class ReleasePlatform(Timestamped):
    release = models.ForeignKey(Release, models.CASCADE, related_name="platform_states")
    platform = models.CharField(max_length=20)
    status = models.CharField(
        max_length=12, choices=DetectionStatus.choices, default=DetectionStatus.SCHEDULED
    )
    source = models.CharField(max_length=14, choices=DetectionSource.choices, blank=True)
    album_id = models.CharField(max_length=60, blank=True)
    track_ids = models.JSONField(default=list, blank=True)
    artist_ids = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=300, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    # Days before release: is the UPC known to the platform's catalog at all?
    precheck_status = models.CharField(
        max_length=10, choices=PrecheckStatus.choices, default=PrecheckStatus.UNKNOWN
    )
    precheck_message = models.CharField(max_length=300, blank=True)
    prechecked_at = models.DateTimeField(null=True, blank=True)
    # Also save the release's tracks (one call more on platforms without mixed writes).
    include_tracks = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "platform"], name="one_state_per_platform")
        ]

    def __str__(self) -> str:
        return f"{self.release} on {self.platform}: {self.status}"


class WaveStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DETECTING = "detecting", "Looking for the release"
    DELIVERING = "delivering", "Delivering"
    DONE = "done", "Done"
    NOT_FOUND = "not_found", "Release not found"
    CANCELLED = "cancelled", "Cancelled (release moved)"


class MarketWave(Timestamped):
    state = models.ForeignKey(ReleasePlatform, models.CASCADE, related_name="waves")
    market = models.CharField(max_length=2, blank=True)  # "" = one global instant
    instant = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=WaveStatus.choices, default=WaveStatus.SCHEDULED
    )
    polls = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_message = models.CharField(max_length=300, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # RELEASE_LIVE events of this market's fans were recorded (once, after the instant).
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "market"], name="one_wave_per_market")
        ]
        indexes = [models.Index(fields=["status", "instant"], name="wave_due")]

    def __str__(self) -> str:
        return f"{self.state} [{self.market or 'global'} at {self.instant:%Y-%m-%d %H:%M}]"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"  # claimed by a batch; calls may be in flight
    DELIVERED = "delivered", "Delivered"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    FAILED = "failed", "Failed"


class DeliverySource(models.TextChoices):
    PRESAVE = "presave", "Pre-save"
    FOREVER_SAVE = "forever_save", "Forever save"


class Delivery(Timestamped):
    release = models.ForeignKey(Release, models.CASCADE, related_name="deliveries")
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="deliveries")
    platform = models.CharField(max_length=20)
    connection = models.ForeignKey(
        PlatformConnection, models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    wave = models.ForeignKey(
        MarketWave, models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    market = models.CharField(max_length=2, blank=True)
    source = models.CharField(
        max_length=14, choices=DeliverySource.choices, default=DeliverySource.PRESAVE
    )
    follow = models.BooleanField(default=False)  # also follow the artist (consented)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    reason = models.CharField(max_length=300, blank=True)
    items = models.JSONField(default=list, blank=True)  # what was saved / followed
    attempts = models.PositiveSmallIntegerField(default=0)
    # A write may have reached the platform without its outcome being recorded (a crash
    # in between): the next attempt asks the platform first when the fan allowed reads.
    in_flight = models.BooleanField(default=False)
    # Saved again after a call whose outcome was unknown (a crash, no answer) without
    # reading the library back first (the fan did not allow reads): maybe saved twice.
    in_doubt = models.BooleanField(default=False)
    # Platform calls spent repeating such calls (read-backs and saves again).
    repeat_calls = models.PositiveIntegerField(default=0)
    # Not before this instant (the release was not live yet in the fan's market).
    retry_at = models.DateTimeField(null=True, blank=True)
    batch = models.CharField(max_length=100, blank=True)  # workflow id of the claiming batch
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["release", "fan", "platform"], name="one_delivery_per_platform"
            )
        ]
        indexes = [
            models.Index(fields=["release", "platform", "state"], name="delivery_progress"),
            models.Index(fields=["wave", "state"], name="delivery_wave_state"),
            models.Index(fields=["batch", "state"], name="delivery_batch"),
            models.Index(fields=["state", "claimed_at"], name="delivery_claims"),
        ]

    def __str__(self) -> str:
        return f"{self.release} to fan {self.fan_id} on {self.platform}: {self.state}"


class RateGate(models.Model):
    """The shared budget of one platform app: a GCRA pacer plus a pause after a 429.

    ``tat`` is the theoretical arrival time (epoch seconds) of the next permitted call;
    ``paused_until`` (epoch seconds) stops every worker's calls with this app.
    """

    app = models.OneToOneField(PlatformApp, models.CASCADE, related_name="gate")
    tat = models.FloatField(default=0.0)
    paused_until = models.FloatField(default=0.0)
    calls = models.PositiveBigIntegerField(default=0)
    pauses = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"gate of {self.app}"
