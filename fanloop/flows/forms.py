"""Flow editor forms: the flow's settings, and one small form per step (a formset).

Each step form shows only the fields of its type (the type is fixed once the step is
added). Steps are turned into the JSON of ``fanloop.flows.steps`` by ``StepForm.to_step``
and validated as a whole by ``validate_steps``; its "Step n: ..." errors are shown next
to step n. Adding, removing and moving steps are plain submit buttons: no JS needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.flows.steps import CONDITION_CHECKS, GOALS, STEP_TYPES, TRIGGERS, WAIT_EVENTS
from fanloop.messaging.models import EmailTemplate

UNITS = (("60", "minutes"), ("3600", "hours"), ("86400", "days"))
WAIT_MODES = (
    ("duration", "for a duration"),
    ("until_time", "until a time of day (fan's time zone)"),
    ("event", "until something happens (with a timeout)"),
)
IF_FALSE = (
    ("exit", "leave the flow"),
    ("next", "skip the next step"),
    ("goto", "jump to the step with the id…"),
)
# The fields each step type shows (besides type and id).
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "wait": ("wait_mode", "amount", "unit", "until_time", "event", "timeout", "timeout_unit"),
    "condition": ("check", "value", "negate", "if_false", "goto"),
    "email": ("template",),
    "tag": ("tag",),
    "api_save": (),
    "api_follow": (),
    "webhook": ("url",),
}
STEP_ERROR = re.compile(r"^Step (\d+): (.*)$", re.DOTALL)


class FlowForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    artist = forms.ModelChoiceField(
        Artist.objects.none(), required=False, empty_label="All artists of the workspace"
    )
    trigger = forms.ChoiceField(choices=list(TRIGGERS.items()), label="Starts when a fan")
    trigger_release = forms.ModelChoiceField(
        Release.objects.none(),
        required=False,
        empty_label="Any release",
        label="Only for the release",
    )
    goal = forms.ChoiceField(
        choices=[("", "No goal"), *GOALS.items()],
        required=False,
        label="Goal (the journey ends when it happens)",
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        artist_field = self.fields["artist"]
        release_field = self.fields["trigger_release"]
        assert isinstance(artist_field, forms.ModelChoiceField)
        assert isinstance(release_field, forms.ModelChoiceField)
        artist_field.queryset = Artist.objects.filter(workspace=workspace).order_by("name")
        release_field.queryset = (
            Release.objects.filter(artist__workspace=workspace)
            .select_related("artist")
            .order_by("-release_date")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        artist, release = data.get("artist"), data.get("trigger_release")
        if artist is not None and release is not None and release.artist_id != artist.pk:
            self.add_error("trigger_release", "Choose a release of the flow's artist.")
        return data


def _seconds_initial(seconds: Any) -> tuple[str, str]:
    """(amount, unit) showing ``seconds`` in the largest unit that divides it."""
    if not isinstance(seconds, int) or seconds <= 0:
        return "", "86400"
    for size in ("86400", "3600", "60"):
        if seconds % int(size) == 0:
            return str(seconds // int(size)), size
    return str(round(seconds / 60, 2)), "60"


class StepForm(forms.Form):
    type = forms.ChoiceField(choices=list(STEP_TYPES.items()), widget=forms.HiddenInput)
    id = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    wait_mode = forms.ChoiceField(choices=WAIT_MODES, required=False, label="Wait")
    amount = forms.DecimalField(
        min_value=0, max_digits=9, decimal_places=2, required=False, label="Duration"
    )
    unit = forms.ChoiceField(choices=UNITS, required=False, initial="86400", label="Unit")
    until_time = forms.CharField(
        max_length=5,
        required=False,
        label="Time of day",
        help_text="For “until a time of day”: HH:MM, e.g. 10:00.",
    )
    event = forms.ChoiceField(
        choices=[("", "—"), *WAIT_EVENTS.items()],
        required=False,
        label="Until the fan",
        help_text="For “until something happens”, with the longest wait below.",
    )
    timeout = forms.DecimalField(
        min_value=0, max_digits=9, decimal_places=2, required=False, label="At most"
    )
    timeout_unit = forms.ChoiceField(choices=UNITS, required=False, initial="86400", label="Unit")
    check = forms.ChoiceField(
        choices=[("", "—"), *CONDITION_CHECKS.items()], required=False, label="Only if the fan"
    )
    value = forms.CharField(
        max_length=60,
        required=False,
        label="Value",
        help_text="A score, platform (spotify), country (GB), consent (follow), tag or saved "
        "segment id.",
    )
    negate = forms.BooleanField(required=False, label="Negate (“does not …”)")
    if_false = forms.ChoiceField(choices=IF_FALSE, required=False, initial="exit", label="If not")
    goto = forms.CharField(max_length=40, required=False, label="Jump to step id")
    template = forms.TypedChoiceField(
        coerce=int, choices=(), required=False, empty_value=None, label="Email template"
    )
    tag = forms.CharField(max_length=60, required=False, label="Tag")
    url = forms.CharField(max_length=500, required=False, label="Webhook URL")

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose a template"), *templates]

    def step_type(self) -> str:
        raw = self["type"].value()
        return str(raw) if raw in STEP_TYPES else "wait"

    def type_label(self) -> str:
        return STEP_TYPES[self.step_type()]

    def visible_for_type(self) -> list[forms.BoundField]:
        return [self[name] for name in TYPE_FIELDS[self.step_type()]]

    def to_step(self) -> dict[str, Any]:
        """The step JSON of this form's cleaned data (validated later, as a whole)."""
        data = self.cleaned_data
        kind = data["type"]
        step: dict[str, Any] = {"type": kind}
        if data.get("id"):
            step["id"] = data["id"]
        if kind == "wait":
            mode = data.get("wait_mode") or "duration"
            if mode == "duration":
                step["duration_s"] = _seconds(data.get("amount"), data.get("unit"))
            elif mode == "until_time":
                step["until_time"] = data.get("until_time") or None
            else:
                step["event"] = data.get("event") or None
                step["timeout_s"] = _seconds(data.get("timeout"), data.get("timeout_unit"))
        elif kind == "condition":
            step["check"] = data.get("check") or None
            if data.get("value"):
                step["value"] = data["value"]
            step["negate"] = bool(data.get("negate"))
            if_false = data.get("if_false") or "exit"
            step["if_false"] = {"goto": data.get("goto", "")} if if_false == "goto" else if_false
        elif kind == "email":
            step["template"] = data.get("template")
        elif kind == "tag":
            step["tag"] = data.get("tag", "")
        elif kind == "webhook":
            step["url"] = data.get("url", "")
        return step


def _seconds(amount: Any, unit: Any) -> int | None:
    if amount is None:
        return None
    return int(amount * int(unit or 86400))


def step_initial(step: Mapping[str, Any]) -> dict[str, Any]:
    """The form values that show ``step`` (the inverse of ``StepForm.to_step``)."""
    initial: dict[str, Any] = {"type": step.get("type"), "id": step.get("id", "")}
    if "duration_s" in step:
        initial["wait_mode"] = "duration"
        initial["amount"], initial["unit"] = _seconds_initial(step["duration_s"])
    elif "until_time" in step:
        initial.update(wait_mode="until_time", until_time=step["until_time"])
    elif "event" in step:
        initial.update(wait_mode="event", event=step["event"])
        initial["timeout"], initial["timeout_unit"] = _seconds_initial(step.get("timeout_s"))
    if step.get("type") == "condition":
        if_false = step.get("if_false", "exit")
        initial.update(
            check=step.get("check"),
            value="" if step.get("value") is None else str(step["value"]),
            negate=bool(step.get("negate")),
            if_false="goto" if isinstance(if_false, dict) else if_false,
            goto=if_false.get("goto", "") if isinstance(if_false, dict) else "",
        )
    for name in ("template", "tag", "url"):
        if name in step:
            initial[name] = step[name]
    return initial


class BaseStepFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        self.templates = templates
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "templates": self.templates}

    def steps(self) -> list[dict[str, Any]]:
        """Step JSON of the forms, in order (call after ``is_valid``)."""
        return [f.to_step() for f in self.forms]

    def attach(self, error: ValidationError) -> list[str]:
        """Put each "Step n: ..." message on the n-th form; return the others."""
        kept = self.forms
        others: list[str] = []
        for message in error.messages:
            match = STEP_ERROR.match(message)
            index = int(match[1]) - 1 if match else -1
            if match and 0 <= index < len(kept):
                kept[index].add_error(None, match[2])
            else:
                others.append(message)
        return others


StepFormSet = cast(
    type[BaseStepFormSet],
    forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=0, max_num=50, absolute_max=60),
)
STEPS_PREFIX = "steps"


def template_choices(workspace: Workspace) -> list[tuple[int, str]]:
    return [
        (t.pk, t.name) for t in EmailTemplate.objects.filter(workspace=workspace).only("pk", "name")
    ]


def raw_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The submitted step forms as plain values, in order, without validating them (for
    add / remove / move, which re-render the editor and save nothing)."""
    try:
        total = min(int(data.get(f"{STEPS_PREFIX}-TOTAL_FORMS", 0)), 60)
    except (TypeError, ValueError):
        total = 0
    names = ["type", "id", *{n for names in TYPE_FIELDS.values() for n in names}]
    rows = []
    for index in range(total):
        prefix = f"{STEPS_PREFIX}-{index}-"
        row = {name: data.get(prefix + name, "") for name in names}
        row["negate"] = bool(data.get(f"{prefix}negate"))
        if row["type"] in STEP_TYPES:
            rows.append(row)
    return rows


def sketch(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best-effort step JSON of unvalidated rows: enough for the warnings."""
    steps = []
    for row in rows:
        step: dict[str, Any] = {"id": row.get("id", ""), "type": row["type"]}
        template = str(row.get("template") or "")
        if template.isdigit():
            step["template"] = int(template)
        if row["type"] == "condition":
            step.update(check=row.get("check"), negate=bool(row.get("negate")))
        steps.append(step)
    return steps
