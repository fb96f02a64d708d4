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
    # A view of the artist's page (/<artist>), kept with the release it features.
    ARTIST_PAGE_VIEW = "artist_view", "Artist page view"
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


class FanEventKind(models.TextChoices):
    """What happened to one fan: the triggers of growth flows and the inputs of analytics."""

    PRESAVED = "presaved", "Pre-saved"
    EMAIL_SUBSCRIBED = "email_subscribed", "Subscribed to emails"
    FOREVER_SAVE_OPTIN = "forever_save_optin", "Opted in to forever save"
    RELEASE_LIVE = "release_live", "Release live for the fan"
    NEW_RELEASE_DETECTED = "new_release_detected", "New release detected"
    DELIVERY_SUCCEEDED = "delivery_succeeded", "Release-day save delivered"
    DELIVERY_FAILED = "delivery_failed", "Release-day save failed"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    SAVED = "saved", "Saved (one-click or API)"
    FOLLOWED = "followed", "Followed the artist"
    TRACK_SAVED = "track_saved", "Saved a track of the release"
    SAVE_VERIFIED = "save_verified", "Save verified"
    SAVE_MISSING = "save_missing", "Save not found on the platform"
    SAVE_KEPT_7D = "save_kept_7d", "Save kept 7 days"
    SAVE_KEPT_30D = "save_kept_30d", "Save kept 30 days"
    FOLLOW_VERIFIED = "follow_verified", "Follow verified"
    EMAIL_SENT = "email_sent", "Email sent"
    EMAIL_OPENED = "email_opened", "Email opened"
    EMAIL_CLICKED = "email_clicked", "Email link clicked"
    EMAIL_BOUNCED = "email_bounced", "Email bounced"
    EMAIL_COMPLAINED = "email_complained", "Spam complaint"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    JOINED_SEGMENT = "joined_segment", "Joined a segment"


class Actor(models.TextChoices):
    """Who did what a fan event records: the fan, or fanloop acting for the fan (a
    release-day delivery, a forever save, a flow's API step, a check, a sent email)."""

    FAN = "fan", "The fan"
    FANLOOP = "fanloop", "Done by fanloop"


class FanEvent(models.Model):
    """One thing that happened to a fan. ``key`` makes every write idempotent: a step that
    runs twice (a retried workflow step, a re-sent webhook) records its event once."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+")
    fan = models.ForeignKey("fans.Fan", models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=FanEventKind.choices)
    artist = models.ForeignKey(Artist, models.CASCADE, null=True, blank=True, related_name="+")
    release = models.ForeignKey(Release, models.CASCADE, null=True, blank=True, related_name="+")
    platform = models.CharField(max_length=20, blank=True)
    # Set by the service writing the event; no default, so no writer can forget it.
    actor = models.CharField(max_length=8, choices=Actor.choices)
    data = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, unique=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["fan", "kind", "created"], name="fanevent_fan_kind"),
            models.Index(fields=["fan", "actor", "kind"], name="fanevent_fan_actor"),
            models.Index(fields=["workspace", "kind", "created"], name="fanevent_ws_kind"),
            models.Index(fields=["id", "kind"], name="fanevent_id_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of fan {self.fan_id}"
