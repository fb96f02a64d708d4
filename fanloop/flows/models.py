"""Growth flows: versioned definitions, one journey per fan, and the step log.

A ``FlowVersion`` is immutable once a journey has started on it; editing a flow creates a
new version, and each journey stays on the version it started on.

Steps are JSON objects in ``FlowVersion.steps`` (validated by ``fanloop.flows.steps``):

    {"id": "w1", "type": "wait", "duration_s": 172800}
    {"id": "w2", "type": "wait", "until_time": "10:00"}              # fan's time zone
    {"id": "w3", "type": "wait", "event": "saved", "timeout_s": 86400}
    {"id": "c1", "type": "condition", "check": "has_saved", "negate": true,
     "if_false": "exit"}                        # or "next", or {"goto": "<step id>"}
        checks: has_saved (verified), is_following, engagement_at_least (value),
                platform (value), country (value), consent (value: kind), segment (value:
                a tag), in_segment (value: a saved Segment id)
    {"id": "e1", "type": "email", "template": <EmailTemplate id>}
    {"id": "t1", "type": "tag", "tag": "superfan"}
    {"id": "a1", "type": "api_save"}  /  {"id": "a2", "type": "api_follow"}
    {"id": "h1", "type": "webhook", "url": "https://…"}

The goal (an event kind, e.g. "followed") ends the journey whenever it happens.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.analytics.models import FanEvent, FanEventKind
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import Fan
from fanloop.lib.timestamps import Timestamped
from fanloop.messaging.models import EmailTemplate, OutboundMessage


class FlowStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class Flow(Timestamped):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="flows")
    artist = models.ForeignKey(Artist, models.CASCADE, null=True, blank=True, related_name="flows")
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=FlowStatus.choices, default=FlowStatus.DRAFT)
    # Dry run: journeys advance and log, but nothing is sent or written to a platform.
    dry_run = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "FlowVersion", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FlowVersion(models.Model):
    flow = models.ForeignKey(Flow, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    trigger = models.CharField(max_length=30, choices=FanEventKind.choices)
    # Optional narrowing of the trigger: only events of this release.
    trigger_release = models.ForeignKey(
        Release, models.CASCADE, null=True, blank=True, related_name="+"
    )
    steps = models.JSONField(default=list)
    goal = models.CharField(max_length=30, choices=FanEventKind.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "number"], name="one_flow_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"


class JourneyState(models.TextChoices):
    ACTIVE = "active", "Running"  # due now: the engine runs its next step
    WAITING = "waiting", "Waiting"  # until due_at, or an event (with a timeout at due_at)
    COMPLETED = "completed", "Completed"  # ran every step
    GOAL = "goal", "Reached the goal"
    EXITED = "exited", "Left at a condition"
    STOPPED = "stopped", "Stopped"  # the flow was stopped, or the fan unsubscribed
    FAILED = "failed", "Failed"


OPEN_JOURNEY_STATES = (JourneyState.ACTIVE, JourneyState.WAITING)


class Journey(models.Model):
    version = models.ForeignKey(FlowVersion, models.CASCADE, related_name="journeys")
    flow = models.ForeignKey(Flow, models.CASCADE, related_name="journeys")
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="journeys")
    release = models.ForeignKey(Release, models.CASCADE, null=True, blank=True, related_name="+")
    trigger_event = models.ForeignKey(
        FanEvent, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # One journey per flow, fan and release (or per flow and fan without a release).
    key = models.CharField(max_length=100, unique=True)
    state = models.CharField(
        max_length=10, choices=JourneyState.choices, default=JourneyState.ACTIVE
    )
    step_index = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    wait_event = models.CharField(max_length=30, blank=True)
    wait_since = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Set by the engine while a worker advances the journey (claim), cleared after.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Journeys with a due time (open ones: a closed journey's is cleared) in due
            # order: the engine's claim reads the first due ones straight off it, not a
            # sort of every due journey. A due_at comparison implies the condition, so
            # SQLite uses it with bound parameters too (it cannot for a state IN list).
            models.Index(
                fields=["due_at"], condition=models.Q(due_at__isnull=False), name="journey_due_at"
            ),
            models.Index(fields=["fan", "state"], name="journey_fan_state"),
            models.Index(fields=["version", "state"], name="journey_version_state"),
            # Claims in flight (few rows): counted by every engine tick.
            models.Index(
                fields=["claimed_at"], condition=~models.Q(claimed_by=""), name="journey_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"journey {self.pk} of fan {self.fan_id} in {self.version}"


class StepOutcome(models.TextChoices):
    ENTERED = "entered", "Entered"
    PASSED = "passed", "Passed"
    WAITING = "waiting", "Waiting"
    LEFT = "left", "Left"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # dry run, suppression, frequency cap: see detail


class JourneyStep(models.Model):
    """The step log: what each journey did at each step. Per-step counts come from here."""

    journey = models.ForeignKey(Journey, models.CASCADE, related_name="steps")
    version = models.ForeignKey(FlowVersion, models.CASCADE, related_name="+", db_index=False)
    step_index = models.PositiveIntegerField()
    step_id = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=StepOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["version", "step_id", "outcome"], name="journeystep_counts")
        ]

    def __str__(self) -> str:
        return f"{self.journey_id} {self.step_id} {self.outcome}"


class FanTag(models.Model):
    """Tags and segments set by flows (``tag`` action) and matched by ``segment`` conditions."""

    fan = models.ForeignKey(Fan, models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=60)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fan", "tag"], name="one_tag_per_fan")]

    def __str__(self) -> str:
        return self.tag


class EventCursor(models.Model):
    """How far the engine has read the fan event log (``FanEvent.id``), and which worker
    holds the lease to read on (so two workers never consume the same events at once)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_id}"


class Segment(Timestamped):
    """A saved fan filter of a workspace (``rules``: see ``fanloop.flows.segments``).

    ``track_entries``: the worker's sweep keeps ``SegmentMember`` up to date and records a
    ``joined_segment`` fan event for each fan entering it (the "entered segment" trigger).
    ``counted`` at ``counted_at``: the last member count, shown by the segment list until it
    is ``segments.COUNT_MAX_AGE`` old (``segments.stored_count``).
    """

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="segments")
    name = models.CharField(max_length=120)
    rules = models.JSONField(default=dict, blank=True)
    track_entries = models.BooleanField(default=False)
    swept_at = models.DateTimeField(null=True, blank=True)
    counted = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_segment_name")
        ]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """A fan in a tracked segment at its last sweep; deleted when the fan leaves it."""

    segment = models.ForeignKey(Segment, models.CASCADE, related_name="members")
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="+")
    joined = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "fan"], name="one_membership_per_segment")
        ]

    def __str__(self) -> str:
        return f"fan {self.fan_id} in segment {self.segment_id}"


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class Broadcast(Timestamped):
    """A one-off email to a segment, sent through the flow email pipeline (messaging's
    outbox: consent, suppression, quiet hours, cap at send time). See ``broadcasts``."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="broadcasts")
    name = models.CharField(max_length=120)
    # RESTRICT: kept while a broadcast names it, yet deleted with the whole workspace.
    segment = models.ForeignKey(Segment, models.RESTRICT, related_name="broadcasts")
    # Null once deleted (with its artist, or after the broadcast ended): an open broadcast
    # without it is cancelled (``broadcasts``); a finished one keeps its stats.
    template = models.ForeignKey(
        EmailTemplate, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT
    )
    send_at = models.DateTimeField(null=True, blank=True)  # scheduled: when to start
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    audience = models.PositiveIntegerField(default=0)  # the segment's members at the start
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(
                fields=["send_at"],
                condition=models.Q(status="scheduled"),
                name="broadcast_due",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BroadcastRecipient(models.Model):
    """One fan of a broadcast's audience, fixed when it starts; ``message`` is the outbox
    row of the fan's email once the send pipeline has written it."""

    broadcast = models.ForeignKey(Broadcast, models.CASCADE, related_name="recipients")
    fan = models.ForeignKey(Fan, models.CASCADE, related_name="+")
    message = models.ForeignKey(
        OutboundMessage, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "fan"], name="one_recipient_per_fan")
        ]

    def __str__(self) -> str:
        return f"fan {self.fan_id} of broadcast {self.broadcast_id}"
