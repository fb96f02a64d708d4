"""The segment form: plain fields (usable without JavaScript) turned into ``rules`` for
``segments.clean_rules``, which stays the one validation (its errors land on the fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.fans.models import ConsentKind
from fanloop.flows import segments
from fanloop.flows.models import Segment

# Action rows the form shows: as many as the rules allow, so an edit keeps every act.
FORM_ACTIONS = segments.MAX_ACTIONS
DID_CHOICES = (("did", "did"), ("did_not", "did not do"))
TEXT_LISTS = {
    "countries": "Countries",
    "sources": "Sources",
    "tags": "Tags",
}


def _joined(values: list[str] | None) -> str:
    return ", ".join(values or [])


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=segments.NAME_MAX_LENGTH)
    platforms = forms.MultipleChoiceField(
        choices=list(segments.PLATFORM_CHOICES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Fans who use any of these (a connection or a pre-save).",
    )
    countries = forms.CharField(
        required=False, max_length=400, help_text="Two-letter codes, comma-separated: GB, IE."
    )
    sources = forms.CharField(
        required=False,
        max_length=2000,
        help_text="A pre-save's utm_source or referring site, comma-separated: "
        "instagram, tiktok.com.",
    )
    consents = forms.MultipleChoiceField(
        choices=ConsentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every one ticked must be active (an email consent once confirmed).",
    )
    score_min = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=segments.MAX_SCORE,
        label="Engagement score at least",
    )
    score_top = forms.IntegerField(
        required=False, min_value=1, max_value=100, label="Top % by engagement score"
    )
    tags = forms.CharField(
        required=False, max_length=2000, help_text="Tags set by flows, comma-separated."
    )
    track_entries = forms.BooleanField(
        required=False,
        label="Start “entered segment” flows",
        help_text="Checked every few minutes; fans entering after you tick this start them.",
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        kinds = [("", "—"), *segments.FAN_ACTIONS.items()]
        releases = [("", "any release")] + [
            (str(r.pk), f"{r.artist.name} — {r.title}")
            for r in Release.objects.filter(artist__workspace=workspace).select_related("artist")
        ]
        artists = [("", "any artist")] + [
            (str(a.pk), a.name) for a in Artist.objects.filter(workspace=workspace)
        ]
        for n in range(1, FORM_ACTIONS + 1):
            self.fields[f"action{n}_did"] = forms.ChoiceField(
                choices=DID_CHOICES, required=False, label=f"Act {n}: the fan"
            )
            self.fields[f"action{n}_kind"] = forms.ChoiceField(
                choices=kinds, required=False, label=f"Act {n}: what"
            )
            self.fields[f"action{n}_release"] = forms.ChoiceField(
                choices=releases, required=False, label=f"Act {n}: on the release"
            )
            self.fields[f"action{n}_artist"] = forms.ChoiceField(
                choices=artists,
                required=False,
                label=f"Act {n}: or any release of",
            )
            self.fields[f"action{n}_since"] = forms.DateField(
                required=False,
                label=f"Act {n}: from",
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"action{n}_until"] = forms.DateField(
                required=False,
                label=f"Act {n}: until",
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        self.rules: dict[str, Any] = {}

    def action_rows(self) -> list[list[forms.BoundField]]:
        parts = ("did", "kind", "release", "artist", "since", "until")
        return [[self[f"action{n}_{part}"] for part in parts] for n in range(1, FORM_ACTIONS + 1)]

    def main_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if not field.name.startswith("action")]

    def raw_rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        actions = []
        for n in range(1, FORM_ACTIONS + 1):
            kind = data.get(f"action{n}_kind")
            if not kind:
                continue
            since, until = data.get(f"action{n}_since"), data.get(f"action{n}_until")
            actions.append(
                {
                    "did": data.get(f"action{n}_did") != "did_not",
                    "kind": kind,
                    "release": data.get(f"action{n}_release") or None,
                    "artist": data.get(f"action{n}_artist") or None,
                    "since": since.isoformat() if since else None,
                    "until": until.isoformat() if until else None,
                }
            )
        return {
            "platforms": data.get("platforms") or [],
            "countries": data.get("countries") or "",
            "sources": data.get("sources") or "",
            "consents": data.get("consents") or [],
            "score_min": data.get("score_min"),
            "score_top": data.get("score_top"),
            "tags": data.get("tags") or "",
            "actions": actions,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.rules = segments.clean_rules(self.raw_rules(), self.workspace)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                if field == "actions":
                    target = None
                for message in messages:
                    self.add_error(target, message)
        return cleaned


def initial(segment: Segment) -> dict[str, Any]:
    """The form values that show ``segment`` (the inverse of ``SegmentForm.raw_rules``)."""
    rules = segment.rules
    values: dict[str, Any] = {
        "name": segment.name,
        "platforms": rules.get("platforms") or [],
        "consents": rules.get("consents") or [],
        "score_min": rules.get("score_min"),
        "score_top": rules.get("score_top"),
        "track_entries": segment.track_entries,
    }
    for field in TEXT_LISTS:
        values[field] = _joined(rules.get(field))
    for n, action in enumerate(rules.get("actions") or [], start=1):
        values[f"action{n}_did"] = "did" if action.get("did", True) else "did_not"
        values[f"action{n}_kind"] = action.get("kind")
        values[f"action{n}_release"] = str(action.get("release") or "")
        values[f"action{n}_artist"] = str(action.get("artist") or "")
        values[f"action{n}_since"] = action.get("since")
        values[f"action{n}_until"] = action.get("until")
    return values
