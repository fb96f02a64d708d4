"""Flow editor pages: list, create (empty or from a template), edit (a new version per
change), versions, and the status buttons (activate, pause, resume, stop, dry run). The
editor's step actions (add, move, remove, change type, check) post the whole form: an
htmx request gets the step list back alone, any other the whole page. Thin views over
``editing``, ``services``, ``stats``, ``starters`` and ``warnings``.

Every page goes through ``@workspace_view``: outsiders get 404, viewers read, editors
and owners change flows (POST with CSRF only).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.analytics.models import FanEventKind
from fanloop.flows import services, stats
from fanloop.flows.defaults import ENGAGED_SHARE
from fanloop.flows.editing import save_flow
from fanloop.flows.forms import (
    STEPS_PREFIX,
    FlowForm,
    StepFormSet,
    name_rows,
    raw_rows,
    sketch,
    step_initial,
    step_summaries,
    template_choices,
)
from fanloop.flows.models import Flow, FlowStatus, FlowVersion, JourneyState
from fanloop.flows.scoring import NOT_COUNTED, POST_RELEASE_ACTS, weights_for
from fanloop.flows.starters import STARTER_LABELS, starter
from fanloop.flows.steps import STEP_TYPES, describe_step, describe_trigger
from fanloop.flows.warnings import flow_warnings, templates_for

PAGE_SIZE = 25
VERSIONS_SHOWN = 50
STATUS_ACTIONS = ("activate", "pause", "resume", "stop")
# The editor stops adding steps here (validation allows at most steps.MAX_STEPS).
MAX_EDITOR_ROWS = 50


def _flow(workspace: Workspace, pk: int) -> Flow:
    return get_object_or_404(
        Flow.objects.select_related("current_version", "artist"), pk=pk, workspace=workspace
    )


@workspace_view()
@require_safe
def flow_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    flows = Flow.objects.filter(workspace=workspace).select_related("current_version", "artist")
    page = Paginator(flows, PAGE_SIZE).get_page(request.GET.get("page"))
    running = stats.open_journeys(flow.pk for flow in page)
    rows = [
        {
            "flow": flow,
            "trigger": describe_trigger(flow.current_version.trigger)
            if flow.current_version
            else "—",
            "open": running.get(flow.pk, 0),
        }
        for flow in page
    ]
    return render(
        request,
        "flows/flow_list.html",
        {"workspace": workspace, "rows": rows, "page": page, "can_edit": membership.can_edit},
    )


def _step_rows(version: FlowVersion, templates: dict[int, Any]) -> list[dict[str, Any]]:
    counts = stats.step_counts(version)
    return [
        {
            "number": index + 1,
            "id": step.get("id", ""),
            "type": STEP_TYPES.get(step.get("type", ""), step.get("type")),
            "text": describe_step(step, templates=templates),
            "counts": counts.get(str(step.get("id", "")), {}),
        }
        for index, step in enumerate(version.steps)
    ]


def _version_context(workspace: Workspace, version: FlowVersion) -> dict[str, Any]:
    templates = templates_for(workspace.pk, version.steps)
    states = stats.journey_states(version)
    return {
        "version": version,
        "trigger": describe_trigger(version.trigger),
        "steps": _step_rows(version, templates),
        "warnings": flow_warnings(version.trigger, version.steps, templates),
        "journeys": [
            (label, count)
            for state, label in JourneyState.choices
            if (count := states.get(state, 0))
        ],
    }


@workspace_view()
@require_safe
def flow_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    flow = _flow(workspace, pk)
    versions = flow.versions.select_related("created_by").order_by("-number")
    context: dict[str, Any] = {
        "workspace": workspace,
        "flow": flow,
        "versions": versions[:VERSIONS_SHOWN],
        "more_versions": max(versions.count() - VERSIONS_SHOWN, 0),
        "can_edit": membership.can_edit,
        "open": stats.open_journeys([flow.pk]).get(flow.pk, 0),
    }
    if flow.current_version is not None:
        context.update(_version_context(workspace, flow.current_version))
    return render(request, "flows/flow_detail.html", context)


@workspace_view()
@require_safe
def version_detail(
    request: HttpRequest, membership: Membership, pk: int, number: int
) -> HttpResponse:
    workspace = membership.workspace
    flow = _flow(workspace, pk)
    version = get_object_or_404(FlowVersion, flow=flow, number=number)
    context = {
        "workspace": workspace,
        "flow": flow,
        "is_current": version.pk == flow.current_version_id,
        **_version_context(workspace, version),
    }
    return render(request, "flows/version_detail.html", context)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def flow_create(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    return _editor(request, workspace, None)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def flow_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    workspace = membership.workspace
    return _editor(request, workspace, _flow(workspace, pk))


def _flow_initial(flow: Flow | None) -> dict[str, Any]:
    if flow is None:
        return {"trigger": "presaved"}
    version = flow.current_version
    return {
        "name": flow.name,
        "description": flow.description,
        "artist": flow.artist_id,
        "trigger": version.trigger if version else "presaved",
        "trigger_release": version.trigger_release_id if version else None,
        "goal": version.goal if version else "",
    }


def _editor(request: HttpRequest, workspace: Workspace, flow: Flow | None) -> HttpResponseBase:
    choices = template_choices(workspace)
    op = str(request.POST.get("op", "save")) if request.method == "POST" else ""
    if request.method == "POST" and op != "save":
        return _rearranged(request, workspace, flow, choices, op)
    if request.method != "POST":
        initial = _flow_initial(flow)
        steps = flow.current_version.steps if flow and flow.current_version else []
        chosen = starter(str(request.GET.get("template", "")), workspace) if flow is None else None
        if chosen is not None:
            steps = chosen.steps
            initial.update(name=chosen.label, trigger=chosen.trigger, goal=chosen.goal)
        form = FlowForm(initial=initial, workspace=workspace)
        rows = [step_initial(s) for s in steps]
        formset = StepFormSet(initial=rows, prefix=STEPS_PREFIX, templates=choices)
        return _render_editor(request, workspace, flow, form, formset, steps, rows=rows)
    form = FlowForm(request.POST, workspace=workspace)
    formset = StepFormSet(request.POST, prefix=STEPS_PREFIX, templates=choices)
    others: list[str] = []
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            saved = save_flow(
                workspace,
                flow,
                name=data["name"],
                description=data["description"],
                artist=data["artist"],
                trigger=data["trigger"],
                trigger_release=data["trigger_release"],
                goal=data["goal"],
                steps=formset.steps(),
                user=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                others = formset.attach(error)
        else:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("flows:flow_detail", ws=workspace.slug, pk=saved.pk)
    rows = raw_rows(request.POST)
    return _render_editor(
        request, workspace, flow, form, formset, sketch(rows), others, status=400, rows=rows
    )


def _rearranged(
    request: HttpRequest,
    workspace: Workspace,
    flow: Flow | None,
    choices: list[tuple[int, str]],
    op: str,
) -> HttpResponse:
    """Add, remove or move a step, or re-check the warnings: the editor again, unsaved."""
    rows = raw_rows(request.POST)
    name_rows(rows)
    verb, _, raw_index = op.partition(":")
    index = int(raw_index) if raw_index.isdigit() else -1
    focus = ""
    if verb == "add":
        kind = str(request.POST.get("add_type", ""))
        if kind in STEP_TYPES and len(rows) < MAX_EDITOR_ROWS:
            rows.append(
                {"type": kind, "id": "", "if_false": "exit", "unit": "86400", "wait_mode": ""}
            )
            focus = f"step-h-{len(rows)}"
    elif verb == "remove" and 0 <= index < len(rows):
        rows.pop(index)
        focus = f"step-h-{index}" if index else "add-type"
    elif verb == "type" and 0 <= index < len(rows):
        kind = str(request.POST.get(f"retype-{index}", ""))
        if kind in STEP_TYPES:
            rows[index] = {
                "type": kind,
                "id": rows[index].get("id", ""),
                "if_false": "exit",
                "unit": "86400",
                "wait_mode": "",
            }
            focus = f"step-h-{index + 1}"
    elif verb in ("up", "down") and 0 <= index < len(rows):
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
            # Focus stays on the button just used while the step can move that way again.
            last = other == 0 if verb == "up" else other == len(rows) - 1
            focus = f"step-h-{other + 1}" if last else f"{verb}-{rows[other]['id']}"
    name_rows(rows)
    fields = ("name", "description", "artist", "trigger", "trigger_release", "goal")
    form = FlowForm(initial={n: request.POST.get(n, "") for n in fields}, workspace=workspace)
    formset = StepFormSet(initial=rows, prefix=STEPS_PREFIX, templates=choices)
    return _render_editor(
        request, workspace, flow, form, formset, sketch(rows), rows=rows, focus=focus
    )


def _render_editor(
    request: HttpRequest,
    workspace: Workspace,
    flow: Flow | None,
    form: FlowForm,
    formset: Any,
    steps: list[dict[str, Any]],
    others: list[str] | None = None,
    status: int = 200,
    *,
    rows: list[dict[str, Any]],
    focus: str = "",
) -> HttpResponse:
    trigger = str(form["trigger"].value() or "")
    templates = templates_for(workspace.pk, steps)
    warnings = flow_warnings(trigger, steps, templates)
    texts, targets = step_summaries(rows, templates)
    counts = stats.step_counts(flow.current_version) if flow and flow.current_version else {}
    for step_form, jump_targets in zip(formset.forms, targets, strict=False):
        step_form.set_jump_targets(jump_targets, request.path)
    step_rows = [
        {
            "form": step_form,
            "summary": texts[index] if index < len(texts) else "",
            "counts": counts.get(str(rows[index].get("id", "")), {}) if index < len(rows) else {},
            "focus": _row_focus(focus, index, rows),
        }
        for index, step_form in enumerate(formset.forms)
    ]
    context = {
        "workspace": workspace,
        "flow": flow,
        "form": form,
        "formset": formset,
        "step_errors": others or [],
        # Step errors about no one field (a repeated id): listed in the summary too.
        "summary_errors": [
            *(others or []),
            *(
                f"Step {number}: {error}"
                for number, step_form in enumerate(formset.forms, start=1)
                for error in step_form.non_field_errors()
            ),
        ],
        "step_types": STEP_TYPES.items(),
        "warnings": warnings,
        "has_templates": bool(formset.templates),
        "step_rows": step_rows,
        "focus": focus,
        "starters": STARTER_LABELS.items(),
    }
    partial = request.method == "POST" and request.headers.get("HX-Request") == "true"
    name = "flows/_steps_editor.html" if partial else "flows/flow_form.html"
    return render(request, name, context, status=status)


def _row_focus(focus: str, index: int, rows: list[dict[str, Any]]) -> str:
    """Which element of step ``index`` gets the focus after an action: "heading", "up",
    "down" or ""."""
    if focus == f"step-h-{index + 1}":
        return "heading"
    step_id = str(rows[index].get("id", "")) if index < len(rows) else ""
    for verb in ("up", "down"):
        if step_id and focus == f"{verb}-{step_id}":
            return verb
    return ""


@workspace_view()
@require_safe
def score_explained(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The engagement score in plain words, from the one table of weights."""
    rows = [
        (FanEventKind(kind).label, weight.why, weight.points, weight.cap)
        for kind, weight in weights_for(membership.workspace.pk).items()
    ]
    return render(
        request,
        "flows/score.html",
        {
            "rows": rows,
            "not_counted": NOT_COUNTED,
            "acts": [FanEventKind(kind).label.lower() for kind in POST_RELEASE_ACTS],
            "share": ENGAGED_SHARE,
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def flow_status(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    workspace = membership.workspace
    flow = _flow(workspace, pk)
    action = str(request.POST.get("action", ""))
    if action not in STATUS_ACTIONS:
        raise Http404("No such action.")
    try:
        getattr(services, action)(flow)
    except (ValidationError, ValueError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"Could not {action} “{flow.name}”: {text}")
    else:
        flow.refresh_from_db()
        messages.success(request, f"“{flow.name}” is now {FlowStatus(flow.status).label.lower()}.")
    return redirect("flows:flow_detail", ws=workspace.slug, pk=flow.pk)


@workspace_view(Role.EDITOR)
@require_POST
def flow_dry_run(request: HttpRequest, membership: Membership, pk: int) -> HttpResponseBase:
    workspace = membership.workspace
    flow = _flow(workspace, pk)
    on = request.POST.get("dry_run") == "on"
    services.set_dry_run(flow, on)
    if on:
        messages.success(request, "Dry run on: journeys advance and log, nothing is sent.")
    else:
        messages.success(request, "Dry run off: emails and platform actions happen for real.")
    return redirect("flows:flow_detail", ws=workspace.slug, pk=flow.pk)
