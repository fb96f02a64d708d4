"""Segment pages: list, create / edit (with a count and preview before saving, no
JavaScript needed), the segment with its live count and paged members, delete, and the
CSV / JSON exports. Thin views over ``segments``.

Every page goes through ``@workspace_view``: outsiders get 404, viewers read and export,
editors and owners change segments (POST with CSRF only).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.fans import queries
from fanloop.fans.models import Fan
from fanloop.fans.views import stream_csv
from fanloop.flows import segments
from fanloop.flows.models import Segment
from fanloop.flows.segment_forms import SegmentForm, initial

PAGE_SIZE = 25
PREVIEW_SIZE = 10


def _segment(workspace: Workspace, pk: int) -> Segment:
    return get_object_or_404(Segment, pk=pk, workspace=workspace)


@workspace_view()
@require_safe
def segment_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    page = Paginator(Segment.objects.filter(workspace=workspace), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    now = timezone.now()
    for segment in page:  # counts younger than segments.COUNT_MAX_AGE are not redone
        found, counted_at = segments.stored_count(segment, now)
        just_now = now - counted_at < dt.timedelta(minutes=1)
        rows.append(
            {"segment": segment, "count": found, "counted_at": counted_at, "just_now": just_now}
        )
    return render(
        request,
        "flows/segment_list.html",
        {"workspace": workspace, "page": page, "rows": rows, "can_edit": membership.can_edit},
    )


def _rows(fans: list[Fan]) -> list[dict[str, Any]]:
    found = queries.summaries(fans)
    return [{"fan": fan, "summary": found[fan.pk]} for fan in fans]


def _preview(fans: QuerySet[Fan]) -> dict[str, Any]:
    return {"count": fans.count(), "rows": _rows(list(fans[:PREVIEW_SIZE]))}


def _edit(request: HttpRequest, membership: Membership, segment: Segment | None) -> HttpResponse:
    workspace = membership.workspace
    if request.method == "POST":
        form = SegmentForm(workspace, request.POST)
        preview = None
        if form.is_valid():
            if request.POST.get("op") == "preview":
                preview = _preview(segments.preview(form.rules, workspace))
            else:
                data = form.cleaned_data
                try:
                    if segment is None:
                        segment = segments.create_segment(
                            workspace,
                            name=data["name"],
                            rules=form.rules,
                            track_entries=data["track_entries"],
                        )
                    else:
                        segments.update_segment(
                            segment,
                            name=data["name"],
                            rules=form.rules,
                            track_entries=data["track_entries"],
                        )
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        for message in errors:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    messages.success(request, f"Segment “{segment.name}” saved.")
                    return redirect("flows:segment_detail", ws=workspace.slug, pk=segment.pk)
    else:
        form = SegmentForm(workspace, initial=initial(segment) if segment else None)
        preview = None
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "flows/segment_form.html",
        {"workspace": workspace, "segment": segment, "form": form, "preview": preview},
        status=status,
    )


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def segment_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _edit(request, membership, None)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def segment_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _edit(request, membership, _segment(membership.workspace, pk))


@workspace_view()
@require_safe
def segment_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    segment = _segment(workspace, pk)
    fans = segments.members(segment).order_by("-created", "-pk")
    page = Paginator(fans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "flows/segment_detail.html",
        {
            "workspace": workspace,
            "segment": segment,
            "rules": segments.describe(segment.rules),
            "page": page,
            "count": page.paginator.count,
            "rows": _rows(list(page)),
            "can_edit": membership.can_edit,
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def segment_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    segment = _segment(membership.workspace, pk)
    name = segment.name
    try:
        segments.delete_segment(segment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("flows:segment_detail", ws=membership.workspace.slug, pk=segment.pk)
    messages.success(request, f"Segment “{name}” deleted.")
    return redirect("flows:segment_list", ws=membership.workspace.slug)


@workspace_view()
@require_safe
def segment_csv(request: HttpRequest, membership: Membership, pk: int) -> StreamingHttpResponse:
    """Every member with consent columns; cells made formula-safe by ``stream_csv``."""
    segment = _segment(membership.workspace, pk)
    rows = ([row[key] for key in segments.EXPORT_HEADER] for row in segments.export_rows(segment))
    return stream_csv(segments.EXPORT_HEADER, rows, f"segment-{segment.pk}.csv")


@workspace_view()
@require_safe
def segment_json(request: HttpRequest, membership: Membership, pk: int) -> StreamingHttpResponse:
    """Every member as one JSON array, streamed."""
    segment = _segment(membership.workspace, pk)

    def chunks() -> Iterator[str]:
        yield "["
        for n, row in enumerate(segments.export_rows(segment)):
            yield ("," if n else "") + "\n" + json.dumps(row)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
