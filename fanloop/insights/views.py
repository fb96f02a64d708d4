"""Insights pages: a release's funnel and the leverage table, each with its CSV and JSON
(the same query functions), the reports per release and per artist, and the engagement
score's recalibration. Viewers see them (only editors and owners apply a recalibration);
outsiders get 404 (``@workspace_view``).

A page first folds the fan events the worker has not folded yet (a few batches at most,
``rollup.READ_CATCH_UP_BATCHES``) and states how many events are still waiting, if any.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog.models import Artist, Release
from fanloop.fans.views import stream_csv
from fanloop.insights import calibration, rollup
from fanloop.insights import funnel as funnels
from fanloop.insights import leverage as leverages
from fanloop.lib import charts


class RangeForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    by = forms.ChoiceField(
        label="Break down by", required=False, choices=list(funnels.BREAKDOWNS.items())
    )

    def __init__(self, *args: Any, release: Release, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = release
        start, end = funnels.default_range(release)
        self.fields["start"].initial = start
        self.fields["end"].initial = end

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = funnels.default_range(self.release)
        start = data.get("start") or start
        end = data.get("end") or end
        if end < start:
            raise forms.ValidationError("The end date is before the start date.")
        if (end - start).days > funnels.MAX_RANGE_DAYS:
            raise forms.ValidationError(f"Choose a range of at most {funnels.MAX_RANGE_DAYS} days.")
        data.update(start=start, end=end, by=data.get("by") or "")
        return data


def _release(workspace: Workspace, pk: int) -> Release:
    return get_object_or_404(
        Release.objects.select_related("artist"), pk=pk, artist__workspace=workspace
    )


def _funnel_or_errors(
    request: HttpRequest, release: Release
) -> tuple[RangeForm, funnels.Funnel | None]:
    form = RangeForm(request.GET or None, release=release)
    if request.GET and not form.is_valid():
        return form, None
    if request.GET:
        data = form.cleaned_data
        return form, funnels.release_funnel(release, data["start"], data["end"], data["by"])
    start, end = funnels.default_range(release)
    return form, funnels.release_funnel(release, start, end)


def funnel_chart(funnel: funnels.Funnel) -> charts.Chart:
    items = [
        (
            stage.label,
            float(stage.count),
            f"{stage.count} of {stage.verifiable} verifiable"
            if stage.verifiable is not None
            else str(stage.count),
        )
        for stage in funnel.stages
    ]
    return charts.horizontal_bars(
        items,
        f"Funnel of {funnel.release.title} from {funnel.start:%d %b %Y} "
        f"to {funnel.end:%d %b %Y}: {funnel.stages[0].count} visits, "
        f"{funnel.stages[2].count} pre-saves",
    )


@workspace_view(Role.VIEWER)
@require_safe
def funnel(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    release = _release(membership.workspace, pk)
    waiting = rollup.catch_up_to_read()
    form, result = _funnel_or_errors(request, release)
    context: dict[str, Any] = {"release": release, "form": form, "waiting": waiting}
    if result is not None:
        context.update(
            funnel=result,
            conversions=result.conversions(),
            chart=funnel_chart(result),
            query=request.GET.urlencode(),
            breakdown_label=funnels.BREAKDOWNS.get(result.breakdown, ""),
            stage_keys=[key for key, _ in funnels.STAGE_LABELS],
            stage_labels=funnels.STAGE_LABELS,
        )
    return render(request, "insights/funnel.html", context, status=200 if result else 400)


@workspace_view(Role.VIEWER)
@require_safe
def funnel_csv(
    request: HttpRequest, membership: Membership, pk: int
) -> StreamingHttpResponse | HttpResponse:
    """``?table=breakdown`` (with ``by=``): the breakdown table; else the stages."""
    release = _release(membership.workspace, pk)
    rollup.catch_up_to_read()
    form, result = _funnel_or_errors(request, release)
    if result is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    name = f"funnel-{release.artist.slug}-{release.slug}"
    if request.GET.get("table") == "platforms":
        rows = [[platform, str(n)] for platform, n in result.presaves_by_platform.items()]
        return stream_csv(["platform", "pre-saves"], rows, f"{name}-platforms.csv")
    if request.GET.get("table") == "breakdown" and result.breakdown:
        return stream_csv(
            funnels.breakdown_header(result),
            funnels.breakdown_csv_rows(result),
            f"{name}-by-{result.breakdown}.csv",
        )
    return stream_csv(funnels.CSV_HEADER, funnels.csv_rows(result), f"{name}.csv")


@workspace_view(Role.VIEWER)
@require_safe
def funnel_json(request: HttpRequest, membership: Membership, pk: int) -> JsonResponse:
    release = _release(membership.workspace, pk)
    rollup.catch_up_to_read()
    form, result = _funnel_or_errors(request, release)
    if result is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    return JsonResponse(funnels.as_dict(result))


def _leverage_table(
    request: HttpRequest, workspace: Workspace
) -> tuple[leverages.Table, Artist | None, list[Artist]]:
    artists = list(Artist.objects.filter(workspace=workspace).order_by("name"))
    chosen = request.GET.get("artist", "")
    artist = None
    if chosen:
        artist = get_object_or_404(Artist, pk=_int_or_404(chosen), workspace=workspace)
        return leverages.artist_table(artist), artist, artists
    return leverages.workspace_table(workspace), None, artists


def _int_or_404(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise Http404("No such artist.")
    return int(value)


@workspace_view(Role.VIEWER)
@require_safe
def leverage(request: HttpRequest, membership: Membership) -> HttpResponse:
    waiting = rollup.catch_up_to_read()
    table, artist, artists = _leverage_table(request, membership.workspace)
    sources = leverages.by_source([artist] if artist else artists)
    return render(
        request,
        "insights/leverage.html",
        {
            "artist": artist,
            "artists": artists,
            "sources": [(row, row.share.interval()) for row in sources],
            "waiting": waiting,
            "query": request.GET.urlencode(),
            **_leverage_context(table),
        },
    )


@workspace_view(Role.VIEWER)
@require_safe
def leverage_csv(request: HttpRequest, membership: Membership) -> StreamingHttpResponse:
    """``?table=sources``: which channels bring fans back; else the impact table."""
    rollup.catch_up_to_read()
    table, artist, artists = _leverage_table(request, membership.workspace)
    name = f"leverage-{artist.slug}" if artist else "leverage-all-artists"
    if request.GET.get("table") == "sources":
        sources = leverages.by_source([artist] if artist else artists)
        return stream_csv(
            leverages.SOURCE_CSV_HEADER, leverages.source_csv_rows(sources), f"{name}-sources.csv"
        )
    return stream_csv(leverages.CSV_HEADER, leverages.csv_rows(table), f"{name}.csv")


@workspace_view(Role.VIEWER)
@require_safe
def leverage_json(request: HttpRequest, membership: Membership) -> JsonResponse:
    rollup.catch_up_to_read()
    table, artist, _ = _leverage_table(request, membership.workspace)
    return JsonResponse(leverages.as_dict(table, artist))


# Releases an artist's report shows the funnel of (the latest ones).
REPORT_RELEASES = 6


def _leverage_context(table: leverages.Table) -> dict[str, Any]:
    pair = table.pair_titles
    items = [
        (row.label, row.lift or 0.0, f"{row.lift:.1f} times" if row.lift is not None else "no data")
        for row in table.rows
    ]
    return {
        "table": table,
        "rows": [(row, row.long_term.interval(), row.sentence(pair)) for row in table.rows],
        "leverage_chart": charts.horizontal_bars(
            items, f"Lift of each action on the next release, {table.title}"
        ),
        "formula": leverages.WILSON_FORMULA,
    }


@workspace_view(Role.VIEWER)
@require_safe
def release_report(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """One page to print or send: the release's funnel and the artist's leverage table."""
    release = _release(membership.workspace, pk)
    waiting = rollup.catch_up_to_read()
    start, end = funnels.default_range(release)
    result = funnels.release_funnel(release, start, end)
    context = {
        "release": release,
        "funnel": result,
        "conversions": result.conversions(),
        "chart": funnel_chart(result),
        "waiting": waiting,
        "now": timezone.now(),
        **_leverage_context(leverages.artist_table(release.artist)),
    }
    return render(request, "insights/release_report.html", context)


@workspace_view(Role.VIEWER)
@require_safe
def artist_report(request: HttpRequest, membership: Membership, artist_pk: int) -> HttpResponse:
    """One page to print or send: the artist's leverage table and latest funnels."""
    artist = get_object_or_404(Artist, pk=artist_pk, workspace=membership.workspace)
    waiting = rollup.catch_up_to_read()
    latest = Release.objects.filter(artist=artist).select_related("artist")
    rows = []
    for release in latest.order_by("-release_date", "-pk")[:REPORT_RELEASES]:
        start, end = funnels.default_range(release)
        result = funnels.release_funnel(release, start, end)
        rows.append((result, result.conversions(), funnel_chart(result)))
    context = {
        "artist": artist,
        "funnels": rows,
        "shown": REPORT_RELEASES,
        "waiting": waiting,
        "now": timezone.now(),
        **_leverage_context(leverages.artist_table(artist)),
    }
    return render(request, "insights/artist_report.html", context)


@workspace_view(Role.VIEWER)
@require_http_methods(["GET", "HEAD", "POST"])
def score_weights(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The engagement score's points recalibrated from the leverage table: GET shows the
    diff; POST (editors and owners) applies exactly the diff that was shown."""
    workspace = membership.workspace
    status = 200
    error = ""
    if request.method == "POST":
        if not membership.can_edit:
            raise PermissionDenied("Only editors and owners change the score.")
        shown = _shown_points(request)
        try:
            calibration.apply(workspace, shown)
        except calibration.StaleProposal:
            error = "The numbers changed since you opened this page: review the new proposal."
            status = 409
        else:
            messages.success(request, "The engagement score now uses the new points.")
            return redirect("insights:score_weights", ws=workspace.slug)
    else:
        rollup.catch_up_to_read()
    changes = calibration.proposal(workspace)
    return render(
        request,
        "insights/score_weights.html",
        {
            "changes": changes,
            "any_change": any(change.changed for change in changes),
            "can_edit": membership.can_edit,
            "error": error,
            "per_lift": calibration.POINTS_PER_LIFT,
            "bounds": (calibration.MIN_POINTS, calibration.MAX_POINTS),
            "min_cohort": leverages.MIN_COHORT,
        },
        status=status,
    )


def _shown_points(request: HttpRequest) -> dict[str, int]:
    shown: dict[str, int] = {}
    for kind in calibration.KIND_OF_ACTION.values():
        raw = str(request.POST.get(f"points_{kind}", ""))
        if raw.lstrip("-").isdigit() and len(raw) < 4:
            shown[str(kind)] = int(raw)
    return shown
