"""Email opt-in: a fan's "email me" consent and, with double opt-in, the confirmation link
that attaches the address and confirms the pending consents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fanloop.analytics.fan_events import record_fan_event
from fanloop.analytics.models import Actor, FanEventKind
from fanloop.fans import consents, emails, links
from fanloop.fans.consent_log import consent_states, record_consent, sender_name
from fanloop.fans.identity import merge_fans, normalize_email, same_workspace
from fanloop.fans.models import (
    Consent,
    ConsentKind,
    Fan,
    PreSave,
)
from fanloop.fans.presaves import Attribution, record_presave
from fanloop.fans.rights import portal_url
from fanloop.lib.db import atomic_insert_race
from fanloop.lib.signing import InvalidLink

if TYPE_CHECKING:
    from fanloop.accounts.models import Workspace
    from fanloop.catalog.models import Artist, Release


def subscribe_email(
    workspace: Workspace,
    email: str,
    *,
    release: Release | None,
    artist: Artist | None,
    page: str,
    attribution: Attribution | None = None,
    double_opt_in: bool | None = None,
    fan: Fan | None = None,
    notify_me: bool = True,
    chosen_platform: str = "",
) -> Fan:
    """Record a fan's "email me" consent; with double opt-in, send the confirmation link.

    Without ``fan`` (the email-only "notify me" pre-save) the fan is found or created by
    address and, with ``notify_me``, an email pre-save of ``release`` is recorded (with the
    platform the fan chose to open it in, ``chosen_platform``, if any). With
    ``fan`` (an opt-in on the thank-you page after connecting) the consent is recorded on
    that fan and the address is attached only once confirmed, so typing someone else's
    address never links their data to this browser. Re-submitting is safe (idempotent
    pre-save, one more consent row, one more email), so a failed send can simply be retried.
    """
    address = normalize_email(email)
    if double_opt_in is None:
        double_opt_in = settings.EMAIL_DOUBLE_OPT_IN
    if release is not None and artist is None:
        artist = release.artist
    if artist is not None and artist.workspace_id != workspace.pk:
        raise ValueError("the artist belongs to another workspace")
    if fan is not None:
        same_workspace(fan, workspace.pk, "the given fan")

    def record() -> tuple[Fan, Consent]:
        target = _email_target(workspace, address, fan, double_opt_in)
        consent = record_consent(
            target,
            ConsentKind.EMAIL,
            True,
            page=page,
            artist=artist,
            confirmed=not double_opt_in,
        )
        if notify_me and release is not None:
            record_presave(
                target,
                release,
                PreSave.EMAIL_ONLY,
                attribution=attribution,
                chosen_platform=chosen_platform,
            )
        return target, consent

    # A concurrent sign-up with this address may win the insert: the second pass reuses it.
    target, consent = atomic_insert_race(record)
    if double_opt_in:
        emails.send_email_confirmation(
            address,
            workspace_id=workspace.pk,
            sender_name=sender_name(target, artist),
            release_title=release.title if release is not None else "",
            confirm_url=links.confirm_url(target.pk, address),
            portal_url=portal_url(target),
            wording=consent.wording,
        )
    return target


def _email_target(workspace: Workspace, address: str, fan: Fan | None, double_opt_in: bool) -> Fan:
    holder = Fan.objects.filter(workspace=workspace, email=address).first()
    if fan is None:
        return holder or Fan.objects.create(workspace=workspace, email=address)
    fan = Fan.objects.get(pk=fan.pk)
    if fan.email == address or double_opt_in:
        return fan  # with double opt-in the address is attached by confirm_email
    # Single opt-in: the operator accepts unverified addresses, but never merges on one.
    if holder is not None:
        return holder
    if not fan.email:
        fan.email = address
        fan.save(update_fields=["email", "updated"])
        return fan
    return Fan.objects.create(workspace=workspace, email=address)


def confirm_email(token: str) -> Fan:
    """Follow a confirmation link: attach the address, confirm the pending email consents.

    InvalidLink when the link is tampered with, expired, or its fan was deleted. When the
    address already belongs to another fan of the workspace, the proof of the mailbox
    merges the two. Following a link twice is harmless; a consent revoked since the email
    was sent stays revoked.
    """
    fan_id, address = links.read_confirm_token(token)
    with transaction.atomic():
        fan = Fan.objects.filter(pk=fan_id).first()
        if fan is None:
            raise InvalidLink("This link belongs to data that has been deleted.")
        holder = (
            Fan.objects.filter(workspace_id=fan.workspace_id, email=address)
            .exclude(pk=fan.pk)
            .first()
        )
        if holder is not None:
            fan = merge_fans(into=holder, other=fan)
        now = timezone.now()
        if fan.email != address:
            fan.email, fan.email_confirmed_at = address, None
        fan.email_confirmed_at = fan.email_confirmed_at or now
        fan.save()
        pending = [
            c.pk
            for c in consent_states(fan)
            if c.kind == ConsentKind.EMAIL and c.granted and c.confirmed_at is None
        ]
        Consent.objects.filter(pk__in=pending).update(confirmed_at=now)
        fan.consented = consents.refresh_consented([fan.pk])[fan.pk]
        for pk in pending:
            record_fan_event(
                fan, FanEventKind.EMAIL_SUBSCRIBED, key=f"consent:{pk}", actor=Actor.FAN
            )
    return fan
