"""Forms of the email pages: templates (checked by rendering them), suppressions, test sends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist
from fanloop.messaging import rendering
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.sending_rules import MAX_CAP, MAX_WINDOW_HOURS

HELP = (
    "Django template syntax. Available: {{ fan.first_name }}, {{ fan.name }}, "
    "{{ artist.name }}, {{ release.title }}, {{ release.url }}, {{ save_url }}, "
    "{{ follow_url }}, {{ portal_url }}, {{ unsubscribe_url }}, and "
    "{% for label, url in listen_links %}…{% endfor %}, "
    "{% for title, url in track_links %}…{% endfor %} (one-click track saves)."
)


if TYPE_CHECKING:
    _TemplateForm = forms.ModelForm[EmailTemplate]
else:  # Django's ModelForm is not subscriptable at runtime
    _TemplateForm = forms.ModelForm


class EmailTemplateForm(_TemplateForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "artist", "subject", "text_body", "html_body"]
        labels = {"text_body": "Text", "html_body": "HTML (optional)", "artist": "Artist"}
        help_texts = {
            "artist": "Whose branding the email carries; leave empty for the workspace.",
            "text_body": HELP,
            "html_body": "Leave empty to build it from the text. Links and fan data are "
            "escaped; scripts and forms do not work in email clients.",
        }
        widgets = {
            "text_body": forms.Textarea(attrs={"rows": 12}),
            "html_body": forms.Textarea(attrs={"rows": 12}),
        }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        artist_field = self.fields["artist"]
        assert isinstance(artist_field, forms.ModelChoiceField)
        artist_field.queryset = Artist.objects.filter(workspace=workspace).order_by("name")
        artist_field.empty_label = f"{workspace.name} (no artist)"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        candidate = EmailTemplate(
            workspace=self.workspace,
            artist=cleaned.get("artist"),
            name=cleaned.get("name", ""),
            subject=cleaned.get("subject", ""),
            text_body=cleaned.get("text_body", ""),
            html_body=cleaned.get("html_body", ""),
        )
        try:
            rendering.check_template(candidate)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field, f"This does not render: {message}")
        return cleaned


class SuppressionForm(forms.Form):
    email = forms.EmailField(max_length=254)
    detail = forms.CharField(max_length=300, required=False, label="Note (optional)")


class PreviewForm(forms.Form):
    """Which fan a preview is rendered for: blank is the sample fan."""

    fan = forms.CharField(max_length=254, required=False, label="Preview for fan (email address)")


class SendingRulesForm(forms.Form):
    """A workspace's frequency cap and quiet hours (checked again by ``save_rules``)."""

    frequency_cap = forms.IntegerField(
        min_value=0,
        max_value=MAX_CAP,
        label="Most flow emails per fan",
        help_text="In each window below; 0: no cap. Test sends do not count.",
    )
    frequency_window_hours = forms.IntegerField(
        min_value=1, max_value=MAX_WINDOW_HOURS, label="Window (hours)"
    )
    quiet_start = forms.TimeField(
        required=False,
        label="Quiet hours start",
        help_text="In each fan's time zone, e.g. 21:00. Leave both empty for no quiet hours.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        required=False,
        label="Quiet hours end",
        help_text="A flow email due during quiet hours waits until then, e.g. 09:00.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
