"""Forms for sign-up, login, passwords, workspaces and members.

Forms only check input; the writes they lead to go through ``services``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from fanloop.accounts import passwords
from fanloop.accounts.models import Role, User
from fanloop.accounts.services import WORKSPACE_NAME_MAX, normalize_email

# Evaluated at render time, so a change of AUTH_PASSWORD_VALIDATORS shows up in the help.
_password_help = lazy(passwords.help_text_html, str)


def _new_password_field(label: str = "Password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_password_help(),
    )


def _workspace_name_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        max_length=WORKSPACE_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        **kwargs,
    )


class SignupForm(forms.Form):
    """Step one of a sign-up: the password is chosen from the emailed link (step two)."""

    email = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text="We email you a link to choose your password and finish.",
    )
    workspace_name = _workspace_name_field(
        label="Workspace name",
        help_text="Your artist, band, management or label name. You can change it later.",
    )

    def clean_email(self) -> str:
        # No "already taken" check here: the answer must not tell who has an account.
        return normalize_email(self.cleaned_data["email"])


class _PasswordOnlyForm(forms.Form):
    """A link proved the address (sign-up finish, invitation): only a password is asked."""

    password = _new_password_field("Choose a password")

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["password"].widget.attrs["autofocus"] = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            try:
                passwords.validate(password, User(email=self.email))
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class FinishSignupForm(_PasswordOnlyForm):
    """Step two: the emailed link proved the address, so only a password is asked."""


class InvitedSignupForm(_PasswordOnlyForm):
    """The email comes from the invitation (its link proves it), so only a password is asked."""

    invite = forms.CharField(widget=forms.HiddenInput)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "That email and password do not match an account. "
        "Check them, or reset your password.",
        "inactive": "This account is disabled. Contact the administrator of this site.",
    }

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data["username"])


class _ValidatedPasswordMixin:
    """Apply fanloop's password rules (see ``passwords``) instead of the bare settings."""

    def validate_password_for_user(
        self,
        user: Any,
        password_field_name: str = "password2",  # noqa: S107 - a field name, not a password
    ) -> None:
        form = cast(forms.Form, self)
        password = form.cleaned_data.get(password_field_name)
        if password:
            try:
                passwords.validate(password, user)
            except ValidationError as error:
                form.add_error(password_field_name, error)


class NewPasswordForm(_ValidatedPasswordMixin, SetPasswordForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = _password_help()
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class ChangePasswordForm(_ValidatedPasswordMixin, PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = _password_help()


class WorkspaceForm(forms.Form):
    name = _workspace_name_field(label="Workspace name")


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.EDITOR,
        help_text="Owners manage members and settings; editors change releases and campaigns; "
        "viewers only look.",
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
