"""Workspace settings: only owners rename; the slug (and so every URL) stays."""

from __future__ import annotations

from fanloop.accounts.models import Workspace


def _url(workspace: Workspace) -> str:
    return f"/accounts/w/{workspace.slug}/settings/"


def test_it_lets_the_owner_rename(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"name": "  Alice   and the Band "})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.name == "Alice and the Band"
    assert workspace.slug == "alice-band"


def test_it_rejects_an_empty_name(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"name": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Workspace.objects.get(pk=workspace.pk).name == "Alice Band"


def test_it_refuses_editors(editor_client, workspace):
    assert editor_client.get(_url(workspace)).status_code == 403
    assert editor_client.post(_url(workspace), {"name": "Hijacked"}).status_code == 403
    assert Workspace.objects.get(pk=workspace.pk).name == "Alice Band"


def test_it_refuses_viewers(viewer_client, workspace):
    assert viewer_client.post(_url(workspace), {"name": "Hijacked"}).status_code == 403
