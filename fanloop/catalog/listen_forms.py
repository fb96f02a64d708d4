"""The "Listen links" form: one address per listen service, plus the custom link's name."""

from __future__ import annotations

from typing import Any

from django import forms

from fanloop.platforms.listen_services import (
    CUSTOM,
    LABEL_MAX_LENGTH,
    SERVICES,
    URL_MAX_LENGTH,
)


class ListenLinksForm(forms.Form):
    """Fields ``url_<service key>`` and ``custom_label``; the service checks the addresses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for service in SERVICES:
            label = "Custom link" if service.key == CUSTOM else service.label
            self.fields[f"url_{service.key}"] = forms.CharField(
                label=label,
                required=False,
                max_length=URL_MAX_LENGTH,
                widget=forms.URLInput(attrs={"placeholder": "https://…", "inputmode": "url"}),
            )
        self.fields["custom_label"] = forms.CharField(
            label="Custom link's name",
            required=False,
            max_length=LABEL_MAX_LENGTH,
            help_text="The button reads “Listen on <name>”.",
        )

    def urls(self) -> dict[str, str]:
        return {s.key: self.cleaned_data.get(f"url_{s.key}") or "" for s in SERVICES}

    def service_fields(self) -> list[forms.BoundField]:
        return [self[f"url_{s.key}"] for s in SERVICES]
