"""Text an owner typed (the app name) and text a platform answered (the check message) are
escaped wherever they are shown."""

from __future__ import annotations

from fanloop.platforms.models import PlatformApp

from .app_factories import spotify_app

SCRIPT = "<script>alert(1)</script>"


def test_it_escapes_the_app_name_everywhere(owner_client, workspace):
    app = spotify_app(workspace, name=SCRIPT)
    for url in ("", f"{app.pk}/edit/", f"{app.pk}/delete/"):
        html = owner_client.get(f"/w/{workspace.slug}/platforms/{url}").content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_escapes_the_name_in_messages(owner_client, workspace):
    app = spotify_app(workspace, name=SCRIPT)
    response = owner_client.post(f"/w/{workspace.slug}/platforms/{app.pk}/deactivate/", follow=True)
    html = response.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html


def test_it_escapes_the_check_message(owner_client, workspace):
    app = spotify_app(workspace)
    PlatformApp.objects.filter(pk=app.pk).update(
        last_check_ok=False, last_check_message=SCRIPT, last_checked="2026-01-01T00:00:00Z"
    )
    html = owner_client.get(f"/w/{workspace.slug}/platforms/").content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html
