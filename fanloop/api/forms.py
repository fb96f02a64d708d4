"""The API token form: a name, a level per resource family, an expiry."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from fanloop.api.tokens import FAMILIES, READ, WRITE, scope

LEVELS = [("", "No access"), (READ, "Read"), (WRITE, "Read and write")]
EXPIRIES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “CRM sync”. Shown in this list only."
    )
    expires_in = forms.ChoiceField(label="Expires", choices=EXPIRIES, initial="90", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for family, label in FAMILIES.items():
            self.fields[f"scope_{family}"] = forms.ChoiceField(
                label=label, choices=LEVELS, required=False
            )

    def scopes(self) -> list[str]:
        return [
            scope(family, self.cleaned_data[f"scope_{family}"])
            for family in FAMILIES
            if self.cleaned_data.get(f"scope_{family}")
        ]

    def expires_at(self) -> dt.datetime | None:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + dt.timedelta(days=int(days)) if days else None
