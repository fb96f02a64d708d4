"""The event log: page views and link clicks of public pages, without cookies.

Visitors are identified by a hash that rotates daily (``DailySalt``); hits that
are not real fans (bots, prefetches, member previews) are only counted by reason.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release

UTM_MAX_LENGTH = 100


class EventKind(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    CLICK = "click", "Link click"
    # In-app browser interstitial (campaigns/inapp.py): shown, and which way out fans took.
    INAPP_SHOWN = "inapp_shown", "In-app browser notice shown"
    INAPP_OPEN_BROWSER = "inapp_open_browser", "In-app: open in browser"
    INAPP_COPY_LINK = "inapp_copy_link", "In-app: copy link"
    INAPP_EMAIL_LINK = "inapp_email_link", "In-app: email me a link"
    INAPP_CONTINUE = "inapp_continue", "In-app: continue anyway"


class DeviceClass(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    DESKTOP = "desktop", "Desktop"


class DropReason(models.TextChoices):
    BOT = "bot", "Bots and link previews"
    NO_USER_AGENT = "no_user_agent", "Hits without a user agent"
    PREFETCH = "prefetch", "Browser prefetches"
    MEMBER = "member", "Workspace members' visits"


class Event(models.Model):
    """One fan action on a public page. Never holds an IP address or a user agent."""

    kind = models.CharField(max_length=20, choices=EventKind.choices)
    # Denormalised so later per-workspace and per-artist queries need no joins.
    # Every index slows each insert (one per page view): only the per-release
    # index below exists for now, so the foreign keys get none of their own.
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+", db_index=False)
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="+", db_index=False)
    release = models.ForeignKey(Release, models.CASCADE, related_name="events", db_index=False)
    platform = models.CharField(max_length=20, blank=True)
    visitor_id = models.CharField(max_length=16)
    utm_source = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_medium = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_campaign = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_term = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_content = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    # Host only ("instagram.com"); empty means direct traffic or our own pages.
    referrer_host = models.CharField(max_length=253, blank=True)
    device_class = models.CharField(max_length=10, choices=DeviceClass.choices)
    country = models.CharField(max_length=2, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["release", "kind", "created"], name="event_release_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.platform} on {self.release_id} at {self.created:%Y-%m-%d %H:%M}"


class DroppedHit(models.Model):
    """How many hits of a release were not counted on a day, and why."""

    day = models.DateField()
    release = models.ForeignKey(Release, models.CASCADE, related_name="dropped_hits")
    reason = models.CharField(max_length=20, choices=DropReason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "day", "reason"], name="one_dropped_count_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}: {self.count}"


class DailySalt(models.Model):
    """Mixed into visitor ids; deleted after two days so ids cannot be linked across days."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return str(self.day)
