"""Artists, releases and tracks, with per-market release instants."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import string
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.lib.markets import EARLIEST_ZONE, MARKET_TIME_ZONES
from fanloop.lib.timestamps import Timestamped

SHORT_CODE_ALPHABET = string.ascii_letters + string.digits


@functools.lru_cache(maxsize=512)
def _last_local_midnight(day: dt.date, fallback_zone: str) -> dt.datetime:
    # Offsets depend on the date (DST), so compare real instants, not zone names.
    zones = {*MARKET_TIME_ZONES.values(), fallback_zone}
    return max(dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(z)) for z in zones)


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(7))


class Artist(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="artists")
    name = models.CharField(max_length=120)
    # Public URLs are /<artist-slug>/<release-slug>, so artist slugs are global.
    slug = models.SlugField(max_length=60, unique=True)
    image = models.ImageField(upload_to="artists/", blank=True)
    # The artist's id and page on each platform: ``ArtistPlatformId`` rows.
    # Shown as links under the artist's name on their release pages.
    website_url = models.URLField("website", max_length=300, blank=True)
    instagram_url = models.URLField("Instagram", max_length=300, blank=True)
    tiktok_url = models.URLField("TikTok", max_length=300, blank=True)
    youtube_url = models.URLField("YouTube", max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReleaseType(models.TextChoices):
    SINGLE = "single", "Single"
    EP = "ep", "EP"
    ALBUM = "album", "Album"


class ReleaseMode(models.TextChoices):
    LOCAL_MIDNIGHT = "local", "Midnight local time in each market"
    GLOBAL = "global", "One global instant"


class Theme(models.TextChoices):
    DARK = "dark", "Dark"
    LIGHT = "light", "Light"


class Timing(models.TextChoices):
    """Where a release stands in time: before its first market, during, after the last."""

    UPCOMING = "upcoming", "Upcoming"
    ROLLING_OUT = "rolling_out", "Rolling out"
    RELEASED = "released", "Released"


class Release(Timestamped):
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="releases")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    release_type = models.CharField(
        max_length=10, choices=ReleaseType.choices, default=ReleaseType.SINGLE
    )
    artwork = models.ImageField(upload_to="artwork/", blank=True)
    upc = models.CharField("UPC", max_length=13, blank=True)
    label_line = models.CharField(max_length=200, blank=True)
    description = models.TextField(max_length=2000, blank=True)
    # Shown instead of ``description`` once the release is out (empty: the same text).
    post_release_description = models.TextField(max_length=2000, blank=True)
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.DARK)
    # "#rrggbb" chosen by a member; empty: ``artwork_accent``, taken from the artwork.
    accent_color = models.CharField(max_length=7, blank=True)
    artwork_accent = models.CharField(max_length=7, blank=True)
    # The page shows how many fans pre-saved (the artist switches it on).
    show_presave_count = models.BooleanField(default=False)

    release_mode = models.CharField(
        max_length=10, choices=ReleaseMode.choices, default=ReleaseMode.LOCAL_MIDNIGHT
    )
    release_date = models.DateField()
    # Global mode: the time of day in ``release_time_zone``. Local mode: always midnight.
    release_time = models.TimeField(default=dt.time(0, 0))
    # Global mode: the zone of the instant. Local mode: the zone used for visitors
    # whose market is unknown.
    release_time_zone = models.CharField(max_length=64, default="UTC")

    # The album id on each platform (found by release detection or pasted by a member):
    # ``ReleasePlatformId`` rows.
    # A platform's own in-app pre-save for this release (a Spotify Countdown Page), as the
    # artist pasted it, canonical; the page offers it beside the email path.
    in_app_presave_url = models.URLField(max_length=200, blank=True)

    # Progressive by default: follow and future-release consents are offered on the
    # thank-you page. When on, the release page asks for them before the platform login.
    # The track "which track is yours?" offers first (its position); None: album order.
    focus_track = models.PositiveSmallIntegerField("focus track", null=True, blank=True)
    consents_upfront = models.BooleanField(
        "ask for consents on the release page",
        default=False,
        help_text="Show “follow the artist” and “save future releases” checkboxes next to "
        "the pre-save buttons. Off: they are offered on the thank-you page, after the "
        "pre-save, which asks fans for fewer permissions up front.",
    )
    published = models.BooleanField(default=False)
    short_code = models.CharField(max_length=12, unique=True, default=new_short_code)

    class Meta:
        ordering = ["-release_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["artist", "slug"], name="release_slug_per_artist")
        ]

    def __str__(self) -> str:
        return f"{self.artist.name} — {self.title}"

    @property
    def workspace(self) -> Workspace:
        return self.artist.workspace

    def _midnight_in(self, zone: str) -> dt.datetime:
        return dt.datetime.combine(self.release_date, dt.time(0, 0), tzinfo=ZoneInfo(zone))

    def global_instant(self) -> dt.datetime:
        return dt.datetime.combine(
            self.release_date, self.release_time, tzinfo=ZoneInfo(self.release_time_zone)
        )

    def instant_for_market(self, market: str | None) -> dt.datetime:
        """When the release goes live for a listener in ``market`` (ISO country code).

        Unknown or missing markets fall back to ``release_time_zone``.
        """
        if self.release_mode == ReleaseMode.GLOBAL:
            return self.global_instant()
        zone = MARKET_TIME_ZONES.get((market or "").upper(), self.release_time_zone)
        return self._midnight_in(zone)

    def first_instant(self) -> dt.datetime:
        """The earliest instant the release is live anywhere."""
        if self.release_mode == ReleaseMode.GLOBAL:
            return self.global_instant()
        return self._midnight_in(EARLIEST_ZONE)

    def is_released(self, market: str | None = None, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.instant_for_market(market)

    def last_instant(self) -> dt.datetime:
        """The instant the release is live everywhere (the last market's midnight)."""
        if self.release_mode == ReleaseMode.GLOBAL:
            return self.global_instant()
        return _last_local_midnight(self.release_date, self.release_time_zone)

    def timing(self, now: dt.datetime | None = None) -> Timing:
        now = now or timezone.now()
        if now < self.first_instant():
            return Timing.UPCOMING
        if now < self.last_instant():
            return Timing.ROLLING_OUT
        return Timing.RELEASED

    # Public addresses. The fan pages themselves belong to ``fanloop.campaigns``;
    # the shapes /<artist>/<release> and /r/<code> are part of the product contract.
    @property
    def public_path(self) -> str:
        return f"/{self.artist.slug}/{self.slug}"

    @property
    def public_url(self) -> str:
        return f"{settings.SITE_URL}{self.public_path}"

    @property
    def short_path(self) -> str:
        return f"/r/{self.short_code}"

    @property
    def short_url(self) -> str:
        return f"{settings.SITE_URL}{self.short_path}"

    @property
    def preview_path(self) -> str:
        """Members see unpublished pages through this address."""
        return f"{self.public_path}?preview=1"


class Track(models.Model):
    release = models.ForeignKey(Release, models.CASCADE, related_name="tracks")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    isrc = models.CharField("ISRC", max_length=12, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["release", "position"], name="track_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class ListenLink(models.Model):
    """Where fans can hear a released release on one service, as a member pasted it.

    ``service`` is a key of ``platforms.listen_services``; the URL was checked and made
    canonical by ``parse_listen_url`` (``catalog.services.set_listen_links``)."""

    release = models.ForeignKey(Release, models.CASCADE, related_name="listen_links")
    service = models.CharField(max_length=20)
    url = models.URLField(max_length=500)
    # The button's name for a custom link ("Listen on <label>"); empty for known services.
    label = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "service"], name="listen_link_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.url}"


class PlatformId(models.Model):
    """An artist, release or track on one streaming platform (a key of the platforms
    registry). Read and written through ``catalog.platform_ids``; no row: no id there."""

    platform = models.CharField(max_length=20)
    external_id = models.CharField(max_length=40)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.platform}: {self.external_id}"


class ArtistPlatformId(PlatformId):
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="platform_ids")
    # The artist's page there, canonical, as the member's pasted link was parsed.
    url = models.URLField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artist", "platform"], name="artist_id_per_platform")
        ]


class ReleasePlatformId(PlatformId):
    release = models.ForeignKey(Release, models.CASCADE, related_name="platform_ids")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "platform"], name="release_id_per_platform")
        ]
        # The forever-save check asks "is this album already a release of the artist?".
        indexes = [models.Index(fields=["platform", "external_id"], name="release_id_lookup")]


class TrackPlatformId(PlatformId):
    track = models.ForeignKey(Track, models.CASCADE, related_name="platform_ids")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["track", "platform"], name="track_id_per_platform")
        ]
