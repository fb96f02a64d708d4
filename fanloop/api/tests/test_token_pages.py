"""The API tokens page (owners only): create with scopes and expiry, the secret shown once,
revoke; and the API's docs page, linked from the dashboard, with no script from elsewhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from fanloop.api import tokens
from fanloop.api.models import ApiToken

pytestmark = pytest.mark.django_db


def _url(workspace: Any) -> str:
    return f"/w/{workspace.slug}/settings/api-tokens/"


def test_an_owner_creates_a_token_and_sees_its_secret_once(owner_client, owner, workspace):
    response = owner_client.post(
        _url(workspace),
        {"name": "CRM", "expires_in": "90", "scope_catalog": "read", "scope_flows": "write"},
    )
    assert response.status_code == 302 and response["Location"] == _url(workspace)
    response = owner_client.get(_url(workspace))
    assert response["Cache-Control"] == "no-store"
    found = re.search(r'value="(fl_[^"]+)"', response.content.decode())
    assert found is not None
    secret = found.group(1)
    token = ApiToken.objects.get()
    assert token.digest == tokens.digest(secret)
    assert token.scopes == ["catalog:read", "flows:write"]
    assert token.created_by == owner and token.workspace == workspace
    assert token.expires_at is not None
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    again = owner_client.get(_url(workspace)).content.decode()
    assert secret not in again and token.prefix in again and "CRM" in again


def test_a_token_needs_a_name_and_a_scope(owner_client, workspace):
    response = owner_client.post(_url(workspace), {"name": "", "expires_in": ""})
    assert response.status_code == 400
    response = owner_client.post(_url(workspace), {"name": "No scope", "expires_in": ""})
    assert response.status_code == 400
    assert "at least one scope" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_owner_revokes_a_token(owner_client, workspace):
    new = tokens.create_token(
        workspace, name="Old", scopes=["fans:read"], expires_at=None, created_by=None
    )
    response = owner_client.post(f"{_url(workspace)}{new.token.pk}/revoke/")
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    assert tokens.find_active(new.secret) is None


@pytest.mark.parametrize("who", ["editor_client", "viewer_client"])
def test_other_members_cannot_see_create_or_revoke(request, who, workspace):
    client = request.getfixturevalue(who)
    new = tokens.create_token(
        workspace, name="Kept", scopes=["fans:read"], expires_at=None, created_by=None
    )
    assert client.get(_url(workspace)).status_code == 403
    assert client.post(_url(workspace), {"name": "x", "scope_fans": "read"}).status_code == 403
    assert client.post(f"{_url(workspace)}{new.token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_outsiders_get_404(outsider_client, workspace):
    new = tokens.create_token(
        workspace, name="Kept", scopes=["fans:read"], expires_at=None, created_by=None
    )
    assert outsider_client.get(_url(workspace)).status_code == 404
    assert outsider_client.post(f"{_url(workspace)}{new.token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_the_dashboard_links_the_token_page_and_the_docs(owner_client, viewer_client, workspace):
    page = owner_client.get(f"/w/{workspace.slug}/").content.decode()
    assert f'href="{_url(workspace)}"' in page and 'href="/api/v1/docs"' in page
    page = viewer_client.get(f"/w/{workspace.slug}/").content.decode()
    assert _url(workspace) not in page and 'href="/api/v1/docs"' in page


def test_the_docs_page_lists_every_operation_without_foreign_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    assert "<script" not in html and "cdn" not in html.lower()
    schema = client.get("/api/v1/openapi.json").json()
    for path in schema["paths"]:
        assert f"<code>{path}</code>" in html
