"""The webhook subscription form: a URL, a description, the event types."""

from __future__ import annotations

from typing import Any

from django import forms

from fanloop.webhooks.events import event_types
from fanloop.webhooks.services import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=URL_MAX_LENGTH,
        help_text="https://… of your endpoint; it must be reachable from the internet.",
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text="What receives the events, e.g. “CRM”. Shown in the list only.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event type."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(event_types().items())
