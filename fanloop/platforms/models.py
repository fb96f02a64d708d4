"""Platform apps: the credentials a workspace registered with each streaming platform."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.lib.crypto import EncryptedTextField
from fanloop.platforms.base import AppCredentials, AppMode
from fanloop.platforms.registry import (
    allow_list_size,
    app_setup,
    default_budget,
    development_mode,
    platform_choices,
    redirect_uri_refusal,
)

# The cap of an app row written without the services (they set the platform's own, from its
# adapter module's development mode, or none).
UNSET_USER_CAP = 5


class PlatformApp(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="platform_apps")
    # The registry's platforms (a callable: a new platform needs no migration).
    platform = models.CharField(max_length=20, choices=platform_choices)
    name = models.CharField(max_length=100, blank=True)
    client_id = models.CharField("client / app id", max_length=200, blank=True)
    client_secret = EncryptedTextField(blank=True)
    # Apple Music developer-token signing material.
    team_id = models.CharField(max_length=20, blank=True)
    key_id = models.CharField(max_length=20, blank=True)
    private_key = EncryptedTextField(blank=True)
    mode = models.CharField(
        max_length=12,
        choices=[(m.value, m.value.title()) for m in AppMode],
        default=AppMode.DEVELOPMENT,
    )
    # Users allowed by the platform for this app; None = no cap (extended mode).
    user_cap = models.PositiveIntegerField(null=True, blank=True, default=UNSET_USER_CAP)
    # Development mode (platforms with an allow-list): the accounts the owner added by email
    # in the platform's dashboard, mirrored here; only they can connect through this app.
    allowed_emails = models.JSONField(default=list, blank=True)
    # Calls per rolling 30 s the delivery engine may make with this app.
    budget_per_30s = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=300, blank=True)
    last_checked = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "client_id"], name="one_app_per_client_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} app {self.name or self.client_id}"

    @property
    def title(self) -> str:
        """How the dashboard names the app: its name, else its client (or key) id."""
        return self.name or self.client_id or f"#{self.pk}"

    @property
    def redirect_uri(self) -> str:
        """The one fixed redirect URI registered with the platform."""
        return settings.SITE_URL + reverse("campaigns:oauth_callback", args=[self.platform])

    @property
    def serves_allow_list_only(self) -> bool:
        """A development-mode app of a platform that serves only its allow-listed accounts:
        fanloop cannot tell before the consent screen whether a visitor is on it."""
        return self.mode == AppMode.DEVELOPMENT and allow_list_size(self.platform) is not None

    def redirect_uri_refusal(self) -> str:
        """Why the platform would refuse this app's redirect URI ("" when it accepts it)."""
        uri = self.routed_redirect_uri()
        return redirect_uri_refusal(self.platform, uri) if uri else ""

    def routed_redirect_uri(self) -> str | None:
        """The redirect URI, or None while no OAuth callback route is installed."""
        try:
            return self.redirect_uri
        except NoReverseMatch:
            return None

    def credentials(self, redirect_uri: str | None = None) -> AppCredentials:
        """What the adapters need; ``redirect_uri`` overrides the fixed one (connection checks
        need none, and must work before the OAuth callback route exists)."""
        return AppCredentials(
            client_id=self.client_id,
            client_secret=self.client_secret or "",
            redirect_uri=self.redirect_uri if redirect_uri is None else redirect_uri,
            mode=AppMode(self.mode),
            team_id=self.team_id,
            key_id=self.key_id,
            private_key=self.private_key or "",
        )

    def effective_budget(self) -> int:
        return self.budget_per_30s or default_budget(self.platform)

    @property
    def has_development_mode(self) -> bool:
        """Whether the platform's apps have a development mode (and a user cap in it)."""
        return development_mode(self.platform) is not None

    @property
    def shown_credentials(self) -> list[tuple[str, str | None]]:
        """(label, value) of the app's credentials as the app list shows them; a secret's
        value is None (never shown)."""
        setup = app_setup(self.platform)
        return [
            (f.list_label or f.label, None if f.secret else str(getattr(self, f.name)))
            for f in (setup.fields if setup else ())
        ]
