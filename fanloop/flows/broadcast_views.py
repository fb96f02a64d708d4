"""Broadcast pages: list, compose (name, segment, template), the broadcast with its
preview, test send, schedule / send now, cancel, and its progress and stats. Thin views
over ``broadcasts``.

Every page goes through ``@workspace_view``: outsiders get 404, viewers read, editors
and owners compose, send and cancel (POST with CSRF only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.flows import broadcasts, segments
from fanloop.flows.models import Broadcast, Segment
from fanloop.messaging import rendering
from fanloop.messaging.models import EmailTemplate

PAGE_SIZE = 25


class BroadcastForm(forms.Form):
    name = forms.CharField(max_length=broadcasts.NAME_MAX_LENGTH)
    segment = forms.ModelChoiceField(queryset=Segment.objects.none(), label="To the segment")
    template = forms.ModelChoiceField(queryset=EmailTemplate.objects.none(), label="Email template")

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["template"].queryset = EmailTemplate.objects.filter(workspace=workspace)  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        required=False,
        label="Send at (UTC)",
        help_text="Leave empty to send now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_send_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("send_at")
        if value is None:
            return None
        if timezone.is_naive(value):
            value = value.replace(tzinfo=dt.UTC)
        if value > timezone.now() + dt.timedelta(days=366):
            raise ValidationError("Schedule at most a year ahead.")
        return value


def _broadcast(workspace: Workspace, pk: int) -> Broadcast:
    return get_object_or_404(
        Broadcast.objects.select_related("segment", "template"), pk=pk, workspace=workspace
    )


@workspace_view()
@require_safe
def broadcast_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    page = Paginator(
        Broadcast.objects.filter(workspace=workspace).select_related("segment", "template"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "flows/broadcast_list.html",
        {"workspace": workspace, "page": page, "can_edit": membership.can_edit},
    )


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def broadcast_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = BroadcastForm(workspace, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            broadcast = broadcasts.create_broadcast(
                workspace,
                name=form.cleaned_data["name"],
                segment=form.cleaned_data["segment"],
                template=form.cleaned_data["template"],
                created_by=membership.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("flows:broadcast_detail", ws=workspace.slug, pk=broadcast.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "flows/broadcast_form.html",
        {"workspace": workspace, "form": form},
        status=status,
    )


def _preview(broadcast: Broadcast) -> dict[str, str]:
    if broadcast.template is None:
        return {"problem": "its email template was deleted."}
    try:
        rendered = rendering.render_message(
            broadcast.template, rendering.preview_context(broadcast.template)
        )
    except rendering.TemplateProblem as problem:
        return {"problem": str(problem)}
    return {"subject": rendered.subject, "text": rendered.text}


@workspace_view()
@require_safe
def broadcast_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    broadcast = _broadcast(workspace, pk)
    is_open = broadcast.status in broadcasts.OPEN_STATUSES
    return render(
        request,
        "flows/broadcast_detail.html",
        {
            "workspace": workspace,
            "broadcast": broadcast,
            "preview": _preview(broadcast),
            "is_open": is_open,
            "audience_now": segments.members(broadcast.segment).count() if is_open else None,
            "stats": None if is_open else broadcasts.stats(broadcast),
            "reasons": broadcasts.SKIP_REASONS,
            "schedule_form": ScheduleForm(),
            "can_edit": membership.can_edit,
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def broadcast_schedule(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    broadcast = _broadcast(membership.workspace, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    else:
        try:
            broadcasts.schedule_broadcast(broadcast, form.cleaned_data["send_at"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            when = broadcast.send_at
            messages.success(
                request,
                "Sending now."
                if form.cleaned_data["send_at"] is None
                else f"Scheduled for {when:%Y-%m-%d %H:%M} UTC.",
            )
    return redirect("flows:broadcast_detail", ws=membership.workspace.slug, pk=broadcast.pk)


@workspace_view(Role.EDITOR)
@require_POST
def broadcast_cancel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    broadcast = _broadcast(membership.workspace, pk)
    try:
        broadcasts.cancel_broadcast(broadcast)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Cancelled: nothing was sent.")
    return redirect("flows:broadcast_detail", ws=membership.workspace.slug, pk=broadcast.pk)


@workspace_view(Role.EDITOR)
@require_POST
def broadcast_test(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    """The email to the member's own address."""
    broadcast = _broadcast(membership.workspace, pk)
    try:
        message = broadcasts.send_test(broadcast, to=membership.user.email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Test email sent to {message.to}.")
    return redirect("flows:broadcast_detail", ws=membership.workspace.slug, pk=broadcast.pk)
