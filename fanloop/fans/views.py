"""Dashboard pages about fans: the list and each fan, the email CSV, pre-saves over time and
the connections to renew before release day. Thin views over ``queries`` and ``services``.

Every page goes through ``@workspace_view``: outsiders get 404, viewers read, editors
and owners may also email a fan their data link or delete a fan on request.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from fanloop.accounts.context_processors import workspace as workspace_context
from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog.models import Artist, Release
from fanloop.fans import consent_log, queries, rights
from fanloop.fans.models import (
    ConnectionStatus,
    Consent,
    ConsentKind,
    Fan,
    PlatformConnection,
)
from fanloop.fans.oauth_tokens import (
    expiring_connections,
    reconnect_needed_connections,
    refresh_deadline,
    upcoming_releases,
)
from fanloop.fans.panels import fan_panels
from fanloop.fans.presaves import presaves_of
from fanloop.lib import charts

PAGE_SIZE = 25
QUERY_MAX = 100
CONSENT_LOG_LIMIT = 200


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _release(workspace: Workspace, value: str | None) -> Release | None:
    """The workspace's release named by a query parameter; 404 for anyone else's."""
    pk = _int(value)
    if pk is None:
        return None
    return get_object_or_404(
        Release.objects.select_related("artist"), pk=pk, artist__workspace=workspace
    )


def chosen_release(workspace: Workspace, request: HttpRequest) -> Release:
    """The release a CSV download is for (``?release=``): 404 without one."""
    release = _release(workspace, request.GET.get("release"))
    if release is None:
        raise Http404("Choose a release.")
    return release


def _artist(workspace: Workspace, value: str | None) -> Artist | None:
    pk = _int(value)
    if pk is None:
        return None
    return get_object_or_404(Artist, pk=pk, workspace=workspace)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def stream_csv(
    header: Iterable[str], rows: Iterable[list[str]], filename: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(list(header))
        for row in rows:
            yield writer.writerow([queries.csv_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- fans --------------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def fan_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    consent = request.GET.get("consent", "")
    platform = request.GET.get("platform", "")
    status = request.GET.get("status", "")
    filters = queries.FanFilters(
        query=request.GET.get("q", "").strip()[:QUERY_MAX],
        consent=consent if consent in ConsentKind.values else "",
        platform=platform if platform in queries.PLATFORM_LABELS else "",
        status=status if status == ConnectionStatus.NEEDS_RECONNECT else "",
    )
    page = Paginator(queries.fan_list(workspace, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    fans = list(page.object_list)
    found = queries.summaries(fans)
    return render(
        request,
        "fans/fan_list.html",
        {
            "page": page,
            "rows": [(fan, found[fan.pk]) for fan in fans],
            "filters": filters,
            "has_any": Fan.objects.filter(workspace=workspace).exists(),
            "consent_choices": ConsentKind.choices,
            "platform_choices": queries.PRESAVE_COLUMNS,
            "artists": Artist.objects.filter(workspace=workspace).order_by("name"),
        },
    )


@workspace_view(Role.VIEWER)
@require_safe
def fan_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    fan = get_object_or_404(Fan, pk=pk, workspace=workspace)
    log = Consent.objects.filter(fan=fan).select_related("artist").order_by("-pk")
    presaves = presaves_of(fan)
    return render(
        request,
        "fans/fan_detail.html",
        {
            "fan": fan,
            "connections": PlatformConnection.objects.filter(fan=fan)
            .select_related("app")
            .order_by("platform"),
            "states": consent_log.consent_states(fan),
            "log": log[:CONSENT_LOG_LIMIT],
            "log_count": log.count(),
            "log_limit": CONSENT_LOG_LIMIT,
            "presaves": presaves,
            # The deliveries and engagement panels of higher apps.
            "panels": fan_panels.render({"request": request, **workspace_context(request)}, fan),
            "can_edit": membership.can_edit,
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def fan_send_link(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    fan = get_object_or_404(Fan, pk=pk, workspace=workspace)
    try:
        rights.send_portal_link(fan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Sent {fan.email} a link to see, export or delete their data.")
    return redirect("fans:fan_detail", ws=workspace.slug, pk=fan.pk)


@workspace_view(Role.EDITOR)
def fan_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Delete a fan on their request (a GET shows what goes; the POST deletes)."""
    workspace = membership.workspace
    fan = get_object_or_404(Fan, pk=pk, workspace=workspace)
    if request.method == "POST":
        name = str(fan)
        rights.delete_fan(fan)
        messages.success(request, f"Deleted {name} and everything kept about them.")
        return redirect("fans:fan_list", ws=workspace.slug)
    return render(
        request,
        "fans/fan_confirm_delete.html",
        {
            "fan": fan,
            "connection_count": fan.connections.count(),
            "presave_count": fan.presaves.count(),
            "consent_count": fan.consents.count(),
        },
    )


@workspace_view(Role.VIEWER)
@require_safe
def export_email_csv(request: HttpRequest, membership: Membership) -> StreamingHttpResponse:
    """Fans whose current email consent is granted and confirmed, streamed as CSV."""
    workspace = membership.workspace
    artist = _artist(workspace, request.GET.get("artist"))
    stamp = timezone.localdate().isoformat()
    suffix = f"-{artist.slug}" if artist else ""
    return stream_csv(
        queries.EMAIL_CSV_HEADER,
        queries.email_export_rows(workspace, artist),
        f"fans-email-{workspace.slug}{suffix}-{stamp}.csv",
    )


# --- pre-saves over time ------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def presaves(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    release = _release(workspace, request.GET.get("release"))
    releases = list(
        Release.objects.filter(artist__workspace=workspace).select_related("artist")[:200]
    )
    context: dict[str, Any] = {
        "release": release,
        "releases": releases,
        "counts": queries.presave_counts(releases),
    }
    if release is not None:
        series = queries.presave_series(release)
        chart = charts.stacked_bars(series.columns, series.rows, queries.COLUMN_COLORS)
        context.update(series=series, chart=chart)
    return render(request, "fans/presaves.html", context)


@workspace_view(Role.VIEWER)
@require_safe
def presaves_csv(request: HttpRequest, membership: Membership) -> StreamingHttpResponse:
    workspace = membership.workspace
    release = chosen_release(workspace, request)
    series = queries.presave_series(release)
    header = ["day", *(key for key, _ in series.columns), "total", "cumulative"]
    rows = (
        [
            row.day.isoformat(),
            *(str(row.counts[key]) for key, _ in series.columns),
            str(row.total),
            str(row.cumulative),
        ]
        for row in series.rows
    )
    return stream_csv(header, rows, f"presaves-{release.artist.slug}-{release.slug}.csv")


# --- reconnect before release day -----------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def expiring(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Per upcoming release: pre-savers whose Spotify refresh token dies before release
    day, and connections that already need a reconnect."""
    workspace = membership.workspace
    chosen = _release(workspace, request.GET.get("release"))
    releases = (
        [chosen]
        if chosen is not None
        else upcoming_releases(Release.objects.filter(artist__workspace=workspace))
    )
    sections = []
    for release in releases:
        sections.append(
            {
                "release": release,
                "deadline": refresh_deadline(release),
                "expiring": list(expiring_connections(release)[: PAGE_SIZE * 4]),
                "expiring_count": expiring_connections(release).count(),
                "broken": list(reconnect_needed_connections(release)[: PAGE_SIZE * 4]),
                "broken_count": reconnect_needed_connections(release).count(),
            }
        )
    return render(
        request,
        "fans/expiring.html",
        {"sections": sections, "chosen": chosen},
    )
