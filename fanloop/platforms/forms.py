"""Forms for platform apps, one per platform (its fields from the adapter module's
``AppSetup``): they read input, ``services`` validate and write.

Secret fields are write-only: their widgets never render a value, not even the one just
posted, so a secret never travels back to a browser.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from fanloop.platforms import validators
from fanloop.platforms.base import AppMode
from fanloop.platforms.info import AppSetup, CredentialField, DevelopmentMode
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import INFOS, default_budget

# Room for the allow-list's emails, one per line, with slack for spaces.
ALLOWED_EMAILS_TEXT_MAX = 2000

KEEP_SECRET = "•••• stored encrypted — leave empty to keep"
P8_MAX_BYTES = 10 * 1024
FILE_SUFFIX = "_file"  # a key's upload field: the key's field name and this
SECRET_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
ID_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}


class SecretTextarea(forms.Textarea):
    """A textarea that never renders a value: pasted keys are not sent back to the page."""

    def format_value(self, value: Any) -> str | None:
        return None


def _secret(label: str, help_text: str, editing: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,  # services trim and check: a stray space gets a precise message
        max_length=validators.SECRET_MAX * 5,
        widget=forms.PasswordInput(render_value=False, attrs=SECRET_ATTRS),
        help_text=KEEP_SECRET if editing else help_text,
    )


def _id(label: str, help_text: str, max_length: int = validators.ID_MAX) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=ID_ATTRS),
        help_text=help_text,
    )


class AppForm(forms.Form):
    """Fields every platform app has; subclasses add the platform's credentials."""

    platform = ""
    secret_fields: tuple[str, ...] = ()

    name = forms.CharField(
        label="Name",
        required=False,
        max_length=validators.NAME_MAX,
        help_text="For your team, e.g. “Main app”. Fans never see it.",
    )
    budget_per_30s = forms.IntegerField(
        label="Request budget per 30 seconds",
        required=False,
    )

    def __init__(self, *args: Any, app: PlatformApp | None = None, **kwargs: Any) -> None:
        self.app = app
        if app is not None:
            kwargs.setdefault("initial", self.initial_for(app))
        super().__init__(*args, **kwargs)
        default = default_budget(self.platform)
        budget = self.fields["budget_per_30s"]
        budget.help_text = (
            f"How many calls the release-day engine may make with this app per rolling 30 "
            f"seconds. Empty: {default}, a safe default."
        )
        budget.widget.attrs["placeholder"] = str(default)

    @classmethod
    def initial_for(cls, app: PlatformApp) -> dict[str, Any]:
        return {
            "name": app.name,
            "budget_per_30s": app.budget_per_30s,
            "client_id": app.client_id,
            "team_id": app.team_id,
            "key_id": app.key_id,
            "mode": app.mode,
            "user_cap": app.user_cap,
            "allowed_emails": "\n".join(app.allowed_emails or []),
        }

    @property
    def editing(self) -> bool:
        return self.app is not None

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values for ``services.create_app`` / ``update_app``."""
        return {k: v for k, v in self.cleaned_data.items() if not k.endswith(FILE_SUFFIX)}


def _development_fields(development: DevelopmentMode) -> dict[str, forms.Field]:
    return {
        "mode": forms.ChoiceField(
            label="Mode",
            choices=[
                (AppMode.DEVELOPMENT.value, "Development mode (at most a few users)"),
                (AppMode.EXTENDED.value, "Extended quota mode (no user cap)"),
            ],
            initial=AppMode.DEVELOPMENT.value,
            widget=forms.RadioSelect,
            help_text=development.mode_help,
        ),
        "allowed_emails": forms.CharField(
            label="Accounts allowed in development mode",
            required=False,
            max_length=ALLOWED_EMAILS_TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
            help_text=development.allow_list_help,
        ),
        "user_cap": forms.IntegerField(
            label="User cap",
            required=False,
            initial=development.user_cap,
            help_text=(
                f"How many fans the platform lets use this app. Development mode: "
                f"{development.user_cap} since 2026. Extended mode: leave empty for no cap."
            ),
        ),
    }


def _credential_fields(spec: CredentialField, editing: bool) -> dict[str, forms.Field]:
    if not spec.secret:
        return {spec.name: _id(spec.label, spec.help, spec.max_length)}
    if not spec.file_label:
        return {spec.name: _secret(spec.label, spec.help, editing)}
    return {
        f"{spec.name}{FILE_SUFFIX}": forms.FileField(
            label=spec.file_label, required=False, help_text=spec.file_help
        ),
        spec.name: forms.CharField(
            label=spec.label,
            required=False,
            strip=False,
            max_length=spec.max_length,
            widget=SecretTextarea(attrs={**SECRET_ATTRS, "rows": 6}),
            help_text=KEEP_SECRET if editing else spec.help,
        ),
    }


class PlatformAppForm(AppForm):
    """A platform's app form, its fields read from the adapter module's ``AppSetup``."""

    setup: AppSetup

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name, budget = self.fields.pop("name"), self.fields.pop("budget_per_30s")
        fields: dict[str, forms.Field] = {"name": name}
        for spec in self.setup.fields:
            fields.update(_credential_fields(spec, self.editing))
        if self.setup.development is not None:
            fields.update(_development_fields(self.setup.development))
        fields["budget_per_30s"] = budget
        self.fields = fields
        self.secret_fields = tuple(spec.name for spec in self.setup.fields if spec.secret)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for spec in self.setup.fields:
            upload = f"{spec.name}{FILE_SUFFIX}"
            if upload in self.fields:
                self._take_upload(cleaned, spec.name, upload)
        development = self.setup.development
        if development is not None:
            mode, cap = cleaned.get("mode"), cleaned.get("user_cap")
            # An empty cap means the development default; in extended mode, the development
            # default left untouched in the form means the owner did not mean a cap.
            if mode == AppMode.DEVELOPMENT and cap is None:
                cleaned["user_cap"] = development.user_cap
            elif (
                mode == AppMode.EXTENDED
                and cap == development.user_cap
                and "user_cap" not in self.changed_data
            ):
                cleaned["user_cap"] = None
        return cleaned

    def _take_upload(self, cleaned: dict[str, Any], name: str, upload_field: str) -> None:
        """A key uploaded as a file stands for the pasted one (giving both is an error)."""
        upload = cleaned.get(upload_field)
        if not upload:
            cleaned[upload_field] = ""
            return
        if upload.size > P8_MAX_BYTES:
            self.add_error(
                upload_field, "This file is far too large for a .p8 key: pick the .p8 file."
            )
            return
        try:
            text = str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            self.add_error(upload_field, "This file is not a .p8 key (it is not text).")
            return
        if (cleaned.get(name) or "").strip():
            self.add_error(name, "Upload the file or paste the key, not both.")
        cleaned[name] = text


def _form_class(key: str, setup: AppSetup) -> type[AppForm]:
    return type(f"{key.title()}AppForm", (PlatformAppForm,), {"platform": key, "setup": setup})


FORMS: dict[str, type[AppForm]] = {
    key: _form_class(key, entry.app_setup)
    for key, entry in INFOS.items()
    if entry.app_setup is not None
}


def attach_errors(error: ValidationError, form: forms.Form) -> None:
    """Put a service's errors on the form's fields (unknown fields on the form itself)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
