"""Forms for platform apps, one per platform: they read input, ``services`` validate and write.

Secret fields are write-only: their widgets never render a value, not even the one just
posted, so a secret never travels back to a browser.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from fanloop.platforms import validators
from fanloop.platforms.base import AppMode
from fanloop.platforms.models import DEFAULT_BUDGET_PER_30S, DEVELOPMENT_USER_CAP, PlatformApp
from fanloop.platforms.spotify import DEV_MODE_ACCOUNTS

# Room for the allow-list's emails, one per line, with slack for spaces.
ALLOWED_EMAILS_TEXT_MAX = 2000

KEEP_SECRET = "•••• stored encrypted — leave empty to keep"
P8_MAX_BYTES = 10 * 1024
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
        default = DEFAULT_BUDGET_PER_30S.get(self.platform, 100)
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
        fields = dict(self.cleaned_data)
        fields.pop("private_key_file", None)
        return fields


class SpotifyAppForm(AppForm):
    platform = "spotify"
    secret_fields = ("client_secret",)

    client_id = _id("Client ID", "32 characters, shown on your app's page in the dashboard.")
    mode = forms.ChoiceField(
        label="Mode",
        choices=[
            (AppMode.DEVELOPMENT.value, "Development mode (at most a few users)"),
            (AppMode.EXTENDED.value, "Extended quota mode (no user cap)"),
        ],
        initial=AppMode.DEVELOPMENT.value,
        widget=forms.RadioSelect,
        help_text=(
            "As shown in the Spotify Developer Dashboard. Extended quota needs Spotify's "
            "approval (a registered business with at least 250k monthly active users)."
        ),
    )
    user_cap = forms.IntegerField(
        label="User cap",
        required=False,
        initial=DEVELOPMENT_USER_CAP,
        help_text=(
            f"How many fans the platform lets use this app. Development mode: "
            f"{DEVELOPMENT_USER_CAP} since 2026. Extended mode: leave empty for no cap."
        ),
    )

    allowed_emails = forms.CharField(
        label="Accounts allowed in development mode",
        required=False,
        max_length=ALLOWED_EMAILS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            f"The emails you added under User Management in the Spotify Developer Dashboard, "
            f"one per line (at most {DEV_MODE_ACCOUNTS}, yours included). Only they can "
            "connect; every other fan is offered the email reminder."
        ),
    )

    field_order = [
        "name",
        "client_id",
        "client_secret",
        "mode",
        "allowed_emails",
        "user_cap",
        "budget_per_30s",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_secret"] = _secret(
            "Client secret", "Click “View client secret” on your app's page.", self.editing
        )
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode, cap = cleaned.get("mode"), cleaned.get("user_cap")
        # An empty cap means the development default; in extended mode, the development
        # default left untouched in the form means the owner did not mean a cap.
        if mode == AppMode.DEVELOPMENT and cap is None:
            cleaned["user_cap"] = DEVELOPMENT_USER_CAP
        elif (
            mode == AppMode.EXTENDED
            and cap == DEVELOPMENT_USER_CAP
            and "user_cap" not in self.changed_data
        ):
            cleaned["user_cap"] = None
        return cleaned


class DeezerAppForm(AppForm):
    platform = "deezer"
    secret_fields = ("client_secret",)

    client_id = _id("Application ID", "The number shown under My Apps.", max_length=40)

    field_order = ["name", "client_id", "client_secret", "budget_per_30s"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_secret"] = _secret(
            "Secret Key", "Shown next to the application id.", self.editing
        )
        self.order_fields(self.field_order)


class TidalAppForm(AppForm):
    platform = "tidal"
    secret_fields = ("client_secret",)

    client_id = _id("Client ID", "Shown on your app's page in the TIDAL developer dashboard.")

    field_order = ["name", "client_id", "client_secret", "budget_per_30s"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_secret"] = _secret(
            "Client secret", "Shown next to the client id (catalog lookups use it).", self.editing
        )
        self.order_fields(self.field_order)


class AppleMusicAppForm(AppForm):
    platform = "applemusic"
    secret_fields = ("private_key",)

    team_id = _id("Team ID", "10 characters, top right of your Apple Developer account.", 40)
    key_id = _id("Key ID", "10 characters, shown with the MusicKit key you created.", 40)
    private_key_file = forms.FileField(
        label="Private key file (.p8)",
        required=False,
        help_text="Upload the .p8 file Apple let you download once, or paste its content below.",
    )

    field_order = ["name", "team_id", "key_id", "private_key_file", "private_key"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["private_key"] = forms.CharField(
            label="…or paste the private key",
            required=False,
            strip=False,
            max_length=validators.PRIVATE_KEY_MAX,
            widget=SecretTextarea(attrs={**SECRET_ATTRS, "rows": 6}),
            help_text=(
                KEEP_SECRET
                if self.editing
                else "From “-----BEGIN PRIVATE KEY-----” to “-----END PRIVATE KEY-----”."
            ),
        )
        self.order_fields(self.field_order)

    def clean_private_key_file(self) -> str:
        upload = self.cleaned_data.get("private_key_file")
        if not upload:
            return ""
        if upload.size > P8_MAX_BYTES:
            raise ValidationError("This file is far too large for a .p8 key: pick the .p8 file.")
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise ValidationError("This file is not a .p8 key (it is not text).") from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        from_file = cleaned.get("private_key_file")
        if from_file:
            if (cleaned.get("private_key") or "").strip():
                self.add_error("private_key", "Upload the file or paste the key, not both.")
            cleaned["private_key"] = from_file
        return cleaned


FORMS: dict[str, type[AppForm]] = {
    "spotify": SpotifyAppForm,
    "applemusic": AppleMusicAppForm,
    "deezer": DeezerAppForm,
    "tidal": TidalAppForm,
}


def attach_errors(error: ValidationError, form: forms.Form) -> None:
    """Put a service's errors on the form's fields (unknown fields on the form itself)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
