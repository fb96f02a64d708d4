"""The fixed redirect URI to register at the platform is shown with a copy button; before
the OAuth callback route exists, the pages say so instead of failing."""

from __future__ import annotations

from django.urls import URLResolver, include, path

from fanloop import urls as project_urls
from fanloop.platforms.models import PlatformApp

from .app_factories import spotify_app


def _callback(request, platform):  # pragma: no cover - only reversed, never called
    raise AssertionError


# The project's URL map without the campaigns app (which owns the OAuth callback route),
# so every navigation link of the dashboard still resolves.
_WITHOUT_CAMPAIGNS = [
    p
    for p in project_urls.urlpatterns
    if not (isinstance(p, URLResolver) and getattr(p, "app_name", None) == "campaigns")
]


class WithCapture:
    urlpatterns = [
        *_WITHOUT_CAMPAIGNS,
        path(
            "",
            include(
                (
                    [path("connect/<slug:platform>/callback", _callback, name="oauth_callback")],
                    "campaigns",
                )
            ),
        ),
    ]


class WithoutCapture:
    urlpatterns = _WITHOUT_CAMPAIGNS


def test_it_shows_the_redirect_uris(owner_client, workspace, settings):
    settings.ROOT_URLCONF = WithCapture
    settings.SITE_URL = "https://fans.example.org"
    html = owner_client.get(f"/w/{workspace.slug}/platforms/").content.decode()
    for platform in ("spotify", "deezer"):
        uri = f"https://fans.example.org/connect/{platform}/callback"
        assert f'<code id="redirect-{platform}">{uri}</code>' in html
        assert f'data-copy="{uri}"' in html
    assert "/connect/applemusic/callback" not in html


def test_it_shows_the_redirect_uri_in_the_form(owner_client, workspace, settings):
    settings.ROOT_URLCONF = WithCapture
    settings.SITE_URL = "https://fans.example.org"
    html = owner_client.get(f"/w/{workspace.slug}/platforms/new/spotify/").content.decode()
    assert 'data-copy="https://fans.example.org/connect/spotify/callback"' in html
    apple = owner_client.get(f"/w/{workspace.slug}/platforms/new/applemusic/").content.decode()
    assert "Redirect URI" not in apple
    assert "no redirect URI to register" in apple


def test_it_waits_for_capture_gracefully(owner_client, workspace, settings):
    settings.ROOT_URLCONF = WithoutCapture
    app = spotify_app(workspace)
    for url in ("", "new/deezer/", f"{app.pk}/edit/"):
        response = owner_client.get(f"/w/{workspace.slug}/platforms/{url}")
        assert response.status_code == 200
        assert "(available once capture lands)" in response.content.decode()
    assert PlatformApp(platform="spotify").routed_redirect_uri() is None
