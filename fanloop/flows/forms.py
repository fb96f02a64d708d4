"""Flow editor forms: the flow's settings, and one small form per step (a formset).

Each step form shows only the fields of its type (a wait only those of its mode, a
condition its value and jump target only when they apply); "Change type" swaps a step's
type. Steps are turned into the JSON of ``fanloop.flows.steps`` by ``StepForm.to_step``
and validated as a whole by ``validate_steps``; its "Step n: ..." errors are shown next
to the field they are about (``ERROR_FIELDS``). Adding, removing, moving and retyping
steps are plain submit buttons: no JS needed (htmx, where it runs, swaps the step list).
Conditions are worded by ``fanloop.flows.wording``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.flows.steps import (
    GOALS,
    STEP_TYPES,
    TRIGGERS,
    VALUE_CHECKS,
    WAIT_EVENTS,
    assign_ids,
)
from fanloop.flows.wording import (
    VALUE_CHOICES,
    VALUE_FIELDS,
    condition_choices,
    join_check,
    split_check,
    summary,
)
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
    ("goto", "jump to a later step (chosen below)"),
)
# The fields each step type shows (besides type and id); "negate" is not shown: the
# condition select carries the positive or negative phrasing.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "wait": ("wait_mode", "amount", "unit", "until_time", "event", "timeout", "timeout_unit"),
    "condition": ("check", "value", "if_false", "goto"),
    "email": ("template",),
    "tag": ("tag",),
    "api_save": (),
    "api_follow": (),
    "webhook": ("url",),
}
# Wait fields shown only in their mode (the others hide without JS too, once saved).
WAIT_MODE_FIELDS = {
    "duration": ("wait_mode", "amount", "unit"),
    "until_time": ("wait_mode", "until_time"),
    "event": ("wait_mode", "event", "timeout", "timeout_unit"),
}
STEP_ERROR = re.compile(r"^Step (\d+): (.*)$", re.DOTALL)
# Which field a "Step n: ..." message of ``validate_steps`` belongs next to (first match).
ERROR_FIELDS: tuple[tuple[str, str], ...] = (
    ("jump", "goto"),
    ("no step has the id", "goto"),
    ("next step to skip", "if_false"),
    ("email template", "template"),
    ("webhook", "url"),
    ("time of day", "until_time"),
    ("timeout", "timeout"),
    ("the duration", "amount"),
    ("event", "event"),
    ("a wait needs", "amount"),
    ("unknown condition", "check"),
    ("condition", "value"),
    ("tag", "tag"),
    ("segment", "value"),
    ("engagement", "value"),
    ("country", "value"),
    ("platform", "value"),
    ("consent", "value"),
    ("capability", "value"),
    ("“did”", "value"),
)


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
    check = forms.ChoiceField(choices=condition_choices, required=False, label="Who goes on")
    value = forms.CharField(
        max_length=60,
        required=False,
        label="Which (where the condition needs it)",
        help_text="A share (top 30%) or score, platform (spotify), country (GB), consent "
        "(follow), tag, event (saved) or saved segment number.",
    )
    # Not shown: kept so that a posted negate="on" still means the negative phrasing.
    negate = forms.BooleanField(required=False, label="The negative phrasing")
    if_false = forms.ChoiceField(
        choices=IF_FALSE, required=False, initial="exit", label="The other fans"
    )
    goto = forms.CharField(
        max_length=40, required=False, label="Jump to", widget=forms.Select(choices=[])
    )
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") == "condition" and data.get("if_false") == "goto":
            if not data.get("goto"):
                self.add_error("goto", "Choose a later step to jump to.")
        return data

    def step_type(self) -> str:
        raw = self["type"].value()
        return str(raw) if raw in STEP_TYPES else "wait"

    def type_label(self) -> str:
        return STEP_TYPES[self.step_type()]

    def visible_for_type(self) -> list[forms.BoundField]:
        names = TYPE_FIELDS[self.step_type()]
        if self.step_type() == "wait":
            mode = str(self["wait_mode"].value() or "duration")
            names = WAIT_MODE_FIELDS.get(mode, names)
        elif self.step_type() == "condition":
            hidden = set()
            if self["if_false"].value() != "goto":
                hidden.add("goto")
            check = split_check(self["check"].value())[0]
            if check and check not in VALUE_CHECKS and not self["value"].value():
                hidden.add("value")
            if check in VALUE_FIELDS:
                bound = self["value"]
                bound.label, bound.help_text = VALUE_FIELDS[check]
            if check in VALUE_CHOICES:
                self.fields["value"].widget = forms.Select(
                    choices=[("", "Choose"), *VALUE_CHOICES[check]]
                )
                self["value"].help_text = ""
            names = tuple(n for n in names if n not in hidden)
        return [self[name] for name in names]

    def set_jump_targets(self, targets: list[tuple[str, str]], path: str) -> None:
        """The later steps a condition may jump to: (id, name); and, with htmx, the
        selects that change which fields show re-render the step list (``path``)."""
        widget = self.fields["goto"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", "Choose a later step"), *targets]
        for name in ("wait_mode", "if_false", "check"):
            self.fields[name].widget.attrs.update(
                {"hx-post": path, "hx-target": "#steps-editor", "hx-select": "#steps-editor"}
            )

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
            check, negative = split_check(data.get("check"))
            step["check"] = check or None
            if data.get("value"):
                step["value"] = data["value"]
            step["negate"] = negative or bool(data.get("negate"))
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
            check=join_check(step.get("check"), bool(step.get("negate"))),
            value="" if step.get("value") is None else str(step["value"]),
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
        """Put each "Step n: ..." message next to its field of the n-th form (or on the
        form when no field fits); return the others."""
        kept = self.forms
        others: list[str] = []
        for message in error.messages:
            match = STEP_ERROR.match(message)
            index = int(match[1]) - 1 if match else -1
            if match and 0 <= index < len(kept):
                form = kept[index]
                shown = {field.name for field in form.visible_for_type()}
                field = next(
                    (name for words, name in ERROR_FIELDS if words in match[2] and name in shown),
                    None,
                )
                form.add_error(field, match[2])
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
        row = {name: str(data.get(prefix + name, "")) for name in names}
        check, negative = split_check(row.get("check"))
        row["check"] = join_check(check, negative or bool(data.get(f"{prefix}negate")))
        if row["type"] in STEP_TYPES:
            rows.append(row)
    return rows


def name_rows(rows: list[dict[str, Any]]) -> None:
    """Give rows without an id a readable one, as saving would ("wait1", "if2"), so that
    a condition can jump to a step added a moment ago."""
    assign_ids(rows, has_id=lambda row: bool(row.get("id")))


def row_step(row: Mapping[str, Any]) -> dict[str, Any]:
    """Best-effort step JSON of one unvalidated row (for its summary)."""
    kind = row.get("type")
    step: dict[str, Any] = {"id": row.get("id", ""), "type": kind}
    if kind == "wait":
        mode = row.get("wait_mode") or "duration"
        if mode == "duration":
            step["duration_s"] = _loose_seconds(row.get("amount"), row.get("unit"))
        elif mode == "until_time":
            step["until_time"] = row.get("until_time") or None
        else:
            step["event"] = row.get("event") or None
            step["timeout_s"] = _loose_seconds(row.get("timeout"), row.get("timeout_unit"))
    elif kind == "condition":
        check, negative = split_check(row.get("check"))
        step.update(check=check, negate=negative or bool(row.get("negate")))
        step["value"] = row.get("value") or None
        if_false = row.get("if_false") or "exit"
        step["if_false"] = {"goto": row.get("goto") or ""} if if_false == "goto" else if_false
    elif kind == "email":
        template = str(row.get("template") or "")
        step["template"] = int(template) if template.isdigit() else None
    elif kind in ("tag", "webhook"):
        step[kind if kind == "tag" else "url"] = row.get(kind if kind == "tag" else "url", "")
    return step


def _loose_seconds(amount: Any, unit: Any) -> int | None:
    try:
        seconds = int(float(str(amount)) * int(str(unit or 86400)))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def step_summaries(
    rows: list[dict[str, Any]], templates: Mapping[int, Any]
) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """(one summary per row, the jump targets of each row: the later steps by name)."""
    steps = [row_step(row) for row in rows]
    names = {
        str(step["id"]): f"step {number} ({STEP_TYPES.get(str(step['type']), '')})"
        for number, step in enumerate(steps, start=1)
        if step.get("id")
    }
    texts = [summary(step, templates=templates, names=names) for step in steps]
    targets = [
        [
            (str(later["id"]), f"Step {number} · {texts[number - 1]}")
            for number, later in enumerate(steps, start=1)
            if number > index + 1 and later.get("id")
        ]
        for index in range(len(steps))
    ]
    return texts, targets


def sketch(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best-effort step JSON of unvalidated rows: enough for the warnings."""
    steps = []
    for row in rows:
        step: dict[str, Any] = {"id": row.get("id", ""), "type": row["type"]}
        template = str(row.get("template") or "")
        if template.isdigit():
            step["template"] = int(template)
        if row["type"] == "condition":
            check, negative = split_check(row.get("check"))
            step.update(check=check, negate=negative)
        steps.append(step)
    return steps
