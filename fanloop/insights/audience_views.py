"""An artist's audience over time and its forecast: followers and listeners release over
release with the follows fanloop caused (``/w/<ws>/insights/artists/<pk>/audience/``, its
CSV, and the audience export upload), and the loop's forecast with what-if inputs as a plain
GET form (``…/forecast/``, its CSV). Viewers read; editors and owners upload; outsiders get
404 (``@workspace_view``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog.models import Artist
from fanloop.fans.views import stream_csv
from fanloop.insights import audience, loop
from fanloop.lib import charts
from fanloop.platforms.exports import EXPORT_FORMATS, export_choices
from fanloop.platforms.registry import follower_count_platforms

RELEASES_CSV_HEADER = [
    "release",
    "release_date",
    "followers",
    "growth_since_previous",
    "listeners",
    "follows_by_fan",
    "follows_at_delivery",
    "follows_through_fanloop",
    "engaged",
    "savers",
    "presavers",
]
SERIES_CSV_HEADER = ["day", "source", "metric", "value"]
FORECAST_CSV_HEADER = [
    "release_ahead",
    "followers",
    "engaged",
    "engaged_low",
    "engaged_high",
    "new_follows",
]
# What-if bounds: points of follow conversion and per cent more pre-savers.
FOLLOW_POINTS_RANGE = (-20, 50)
PRESAVERS_PCT_RANGE = (-50, 200)


class UploadForm(forms.Form):
    source = forms.ChoiceField(label="Export from", choices=export_choices())
    file = forms.FileField(label="CSV file")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > audience.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {audience.MAX_UPLOAD_BYTES // 1000} KB."
            )
        return upload


class WhatIfForm(forms.Form):
    follow_points = forms.IntegerField(
        label="Follow-prompt conversion (points more)",
        min_value=FOLLOW_POINTS_RANGE[0],
        max_value=FOLLOW_POINTS_RANGE[1],
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"step": 1}),
    )
    presavers_pct = forms.IntegerField(
        label="Pre-savers (per cent more)",
        min_value=PRESAVERS_PCT_RANGE[0],
        max_value=PRESAVERS_PCT_RANGE[1],
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"step": 1}),
    )

    def what_if(self) -> loop.WhatIf:
        data = self.cleaned_data
        return loop.WhatIf(
            follow_points=float(data.get("follow_points") or 0),
            presavers_pct=float(data.get("presavers_pct") or 0),
        )


def _artist(workspace: Workspace, pk: int) -> Artist:
    return get_object_or_404(Artist, pk=pk, workspace=workspace)


def _n(value: float | int | None) -> str:
    return "" if value is None else str(round(value))


def release_charts(rows: list[loop.ReleaseRow]) -> list[charts.Chart]:
    followers = [(r.release.title, float(r.followers or 0), _n(r.followers)) for r in rows]
    growth: list[tuple[str, float, str]] = []
    for r in rows:
        growth.append((f"{r.release.title}: growth", float(max(r.growth or 0, 0)), _n(r.growth)))
        growth.append(
            (
                f"{r.release.title}: via fanloop",
                float(r.follows_through_fanloop),
                str(r.follows_through_fanloop),
            )
        )
    engaged = [(r.release.title, float(r.engaged), str(r.engaged)) for r in rows]
    return [
        charts.horizontal_bars(followers, "Followers on each release day"),
        charts.horizontal_bars(
            growth, "Follower growth since the previous release, and follows through fanloop"
        ),
        charts.horizontal_bars(engaged, "Engaged audience per release"),
    ]


def release_csv_rows(rows: list[loop.ReleaseRow]) -> list[list[str]]:
    return [
        [
            r.release.title,
            r.day.isoformat(),
            _n(r.followers),
            _n(r.growth),
            _n(r.listeners),
            str(r.follows_by_fan),
            str(r.follows_at_delivery),
            str(r.follows_through_fanloop),
            str(r.engaged),
            str(r.savers),
            str(r.presavers),
        ]
        for r in rows
    ]


@workspace_view(Role.VIEWER)
@require_http_methods(["GET", "HEAD", "POST"])
def audience_page(request: HttpRequest, membership: Membership, artist_pk: int) -> HttpResponse:
    artist = _artist(membership.workspace, artist_pk)
    form = UploadForm()
    errors: list[str] = []
    error_total = 0
    status = 200
    if request.method == "POST":
        if not membership.can_edit:
            raise PermissionDenied("Only editors and owners import audience exports.")
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            source = form.cleaned_data["source"]
            try:
                result = audience.import_export(
                    artist, source, form.cleaned_data["file"].read(audience.MAX_UPLOAD_BYTES + 1)
                )
            except audience.InvalidExport as exc:
                errors, error_total = exc.errors, exc.total
            else:
                messages.success(
                    request,
                    f"Imported {result.days} day{'s' if result.days != 1 else ''} from "
                    f"{EXPORT_FORMATS[source].label} ({result.replaced} figures replaced).",
                )
                return redirect(
                    "insights:audience", ws=membership.workspace.slug, artist_pk=artist.pk
                )
        status = 400
    rows = loop.releases(artist)
    followers = audience.Series(artist, "followers")
    return render(
        request,
        "insights/audience.html",
        {
            "artist": artist,
            "rows": rows,
            "charts": release_charts(rows),
            "form": form,
            "errors": errors,
            "more_errors": max(error_total - len(errors), 0),
            "can_edit": membership.can_edit,
            "formats": list(EXPORT_FORMATS.values()),
            "follower_platforms": follower_count_platforms(),
            "latest_day": followers.latest_day(),
            "max_kb": audience.MAX_UPLOAD_BYTES // 1000,
            "max_lines": audience.MAX_LINES,
        },
        status=status,
    )


@workspace_view(Role.VIEWER)
@require_safe
def audience_csv(
    request: HttpRequest, membership: Membership, artist_pk: int
) -> StreamingHttpResponse:
    """``?table=series``: every stored figure, day by day; else release over release."""
    artist = _artist(membership.workspace, artist_pk)
    if request.GET.get("table") == "series":
        return stream_csv(
            SERIES_CSV_HEADER,
            (
                [day.isoformat(), source, metric, str(value)]
                for day, source, metric, value in audience.series_rows(artist)
            ),
            f"audience-{artist.slug}-daily.csv",
        )
    return stream_csv(
        RELEASES_CSV_HEADER,
        release_csv_rows(loop.releases(artist)),
        f"audience-{artist.slug}.csv",
    )


def _forecast(request: HttpRequest, artist: Artist) -> tuple[WhatIfForm, loop.Forecast | None]:
    form = WhatIfForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    what_if = form.what_if() if request.GET else loop.WhatIf()
    return form, loop.forecast(artist, what_if, timezone.localdate())


@workspace_view(Role.VIEWER)
@require_safe
def forecast_page(request: HttpRequest, membership: Membership, artist_pk: int) -> HttpResponse:
    artist = _artist(membership.workspace, artist_pk)
    form, result = _forecast(request, artist)
    context: dict[str, Any] = {"artist": artist, "form": form, "result": result}
    if result is not None:
        rates = result.rates
        context.update(
            rates=[
                ("e", "Engaged per follower", rates.engage),
                ("s", "Savers among the engaged", rates.save),
                ("c", "Follows through fanloop per saver", rates.follow),
                ("r", "Followers kept between releases", rates.retention),
                ("p", "Pre-savers among the engaged", rates.presave_share),
            ],
            chart=charts.horizontal_bars(
                [
                    (
                        f"Release +{step.number}",
                        step.engaged,
                        f"{step.engaged:.0f} ({step.engaged_low:.0f} to {step.engaged_high:.0f})",
                    )
                    for step in result.steps
                ],
                "Expected engaged audience of the next releases, with the band",
            ),
            query=request.GET.urlencode(),
            defaults_used=any(
                rate.origin != "measured"
                for rate in (
                    rates.engage,
                    rates.save,
                    rates.follow,
                    rates.retention,
                    rates.presave_share,
                )
            ),
        )
    return render(request, "insights/forecast.html", context, status=200 if result else 400)


@workspace_view(Role.VIEWER)
@require_safe
def forecast_csv(
    request: HttpRequest, membership: Membership, artist_pk: int
) -> HttpResponse | StreamingHttpResponse:
    artist = _artist(membership.workspace, artist_pk)
    form, result = _forecast(request, artist)
    if result is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    return stream_csv(
        FORECAST_CSV_HEADER,
        [
            [
                str(step.number),
                f"{step.followers:.1f}",
                f"{step.engaged:.1f}",
                f"{step.engaged_low:.1f}",
                f"{step.engaged_high:.1f}",
                f"{step.new_follows:.1f}",
            ]
            for step in result.steps
        ],
        f"forecast-{artist.slug}.csv",
    )
