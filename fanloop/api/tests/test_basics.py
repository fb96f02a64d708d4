"""Tokens (hashed, scoped, expiring, revocable, last use), problem documents, cursors,
idempotent POSTs and the per-token rate limit, through Django's test client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from fanloop.accounts import throttle
from fanloop.api import auth, tokens
from fanloop.api.models import ApiToken, IdempotentRequest
from fanloop.catalog.models import Artist, Release

from .conftest import make_token

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] and body["detail"]
    return body


def test_the_secret_is_stored_only_as_its_digest(workspace):
    new = tokens.create_token(
        workspace, name="CRM", scopes=["catalog:read"], expires_at=None, created_by=None
    )
    assert new.secret.startswith("fl_") and len(new.secret) > 40
    row = ApiToken.objects.get()
    assert new.secret not in (row.digest, row.prefix, str(row.scopes))
    assert row.digest == tokens.digest(new.secret)
    assert new.secret.startswith(row.prefix)


def test_no_token_or_a_wrong_one_is_a_401_problem(call, artist):
    body = _problem(call("GET", "/artists", None), 401)
    assert "Bearer" in body["detail"]
    response = call("GET", "/artists", "fl_not-a-real-token")
    _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_reads_its_workspace_and_notes_its_last_use(call, secret, artist):
    response = call("GET", "/artists", secret)
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["items"]] == ["The Lanterns"]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_refused(call, secret, artist):
    assert call("GET", "/artists", secret).status_code == 200
    tokens.revoke_token(ApiToken.objects.get())
    _problem(call("GET", "/artists", secret), 401)


def test_an_expired_token_is_refused(call, workspace, artist):
    secret = make_token(workspace, expires_at=timezone.now() + dt.timedelta(days=1))
    assert call("GET", "/artists", secret).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        _problem(call("GET", "/artists", secret), 401)


def test_a_read_token_cannot_write(call, workspace, artist, release):
    secret = make_token(workspace, scopes=["catalog:read"])
    assert call("GET", f"/releases/{release.pk}", secret).status_code == 200
    body = _problem(call("POST", "/artists", secret, json={"name": "Nope"}), 403)
    assert "catalog:write" in body["detail"]
    _problem(call("PATCH", f"/artists/{artist.pk}", secret, json={"name": "X"}), 403)
    _problem(call("POST", f"/releases/{release.pk}/publish", secret), 403)
    assert Artist.objects.count() == 1
    assert not Release.objects.get().published
    # And a token without the fans scope reads no fans.
    _problem(call("GET", "/fans", secret), 403)


def test_invalid_input_is_a_422_problem_with_the_fields(call, secret, artist):
    body = _problem(call("POST", "/artists", secret, json={"slug": "x"}), 422)
    assert body["errors"]
    body = _problem(call("POST", "/artists", secret, json={"name": "  "}), 422)
    assert "name" in body["errors"]
    body = _problem(call("POST", "/artists", secret, json={"name": "A", "slug": "Bad Slug!"}), 422)
    assert "slug" in body["errors"]


def test_an_unknown_id_is_a_404_problem(call, secret):
    _problem(call("GET", "/artists/999999", secret), 404)


def test_lists_page_by_cursor_with_a_next_link(call, secret, workspace):
    for n in range(5):
        Artist.objects.create(workspace=workspace, name=f"A{n}", slug=f"a-{n}")
    seen = []
    path: str | None = "/artists?limit=2"
    pages = 0
    while path:
        body = call("GET", path, secret).json()
        seen += [a["name"] for a in body["items"]]
        pages += 1
        path = body["next"].split("/api/v1", 1)[1] if body["next"] else None
    assert seen == [f"A{n}" for n in range(5)] and pages == 3


def test_a_forged_cursor_is_a_400_problem(call, secret):
    _problem(call("GET", "/artists?cursor=MTI", secret), 400)


def test_a_post_with_an_idempotency_key_is_replayed(call, secret, workspace):
    first = call("POST", "/artists", secret, json={"name": "Once"}, idempotency_key="k-1")
    assert first.status_code == 201
    again = call("POST", "/artists", secret, json={"name": "Once"}, idempotency_key="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Artist.objects.filter(workspace=workspace).count() == 1
    # Another body with the same key is refused; a new key creates.
    body = _problem(
        call("POST", "/artists", secret, json={"name": "Other"}, idempotency_key="k-1"), 422
    )
    assert "Idempotency-Key" in body["detail"]
    assert call("POST", "/artists", secret, json={"name": "Other"}).status_code == 201
    assert Artist.objects.filter(workspace=workspace).count() == 2


def test_a_refused_post_is_not_stored_under_its_key(call, secret):
    _problem(call("POST", "/artists", secret, json={"name": " "}, idempotency_key="k-2"), 422)
    assert not IdempotentRequest.objects.exists()
    assert (
        call("POST", "/artists", secret, json={"name": "Ok"}, idempotency_key="k-2").status_code
        == 201
    )


def test_idempotency_keys_belong_to_their_token(call, secret, workspace):
    other = make_token(workspace, name="other")
    call("POST", "/artists", secret, json={"name": "Mine"}, idempotency_key="same")
    call("POST", "/artists", other, json={"name": "Theirs"}, idempotency_key="same")
    assert Artist.objects.filter(workspace=workspace).count() == 2


def test_each_token_is_rate_limited_with_retry_after(call, secret, workspace, monkeypatch):
    monkeypatch.setattr(auth, "REQUESTS_PER_WINDOW", 3)
    for _ in range(3):
        assert call("GET", "/artists", secret).status_code == 200
    response = call("GET", "/artists", secret)
    body = _problem(response, 429)
    wait = int(response["Retry-After"])
    assert 1 <= wait <= throttle.window_minutes() * 60
    assert body["type"].endswith("rate-limited")
    # Another token of the workspace has its own allowance.
    assert call("GET", "/artists", make_token(workspace, name="b")).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=wait + 1)):
        assert call("GET", "/artists", secret).status_code == 200


def test_every_post_route_honours_idempotency_keys():
    from fanloop.api.api import api

    posts = [
        operation
        for router_path in api._routers
        for path_view in router_path[1].path_operations.values()
        for operation in path_view.operations
        if "POST" in operation.methods
    ]
    assert len(posts) >= 4
    for operation in posts:
        assert getattr(operation.view_func, "idempotent", False), operation.view_func
    schema = api.get_openapi_schema(path_prefix="")
    for path, operations in schema["paths"].items():
        if "post" in operations:
            names = [p["name"] for p in operations["post"].get("parameters", [])]
            assert "Idempotency-Key" in names, path


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v2/artists", "/api/", "/api/v1/artists/1/x"]
)
def test_an_address_with_no_route_is_a_json_404_not_the_site_s_page(client, method, path):
    body = _problem(getattr(client, method)(path), 404)
    assert body["type"].endswith("problem-no-route") and path in body["detail"]


def test_since_is_declared_a_date_time_in_the_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    [since] = [
        p
        for p in schema["paths"]["/api/v1/fan-events"]["get"]["parameters"]
        if p["name"] == "since"
    ]
    assert since["schema"].get("format") == "date-time" or any(
        alt.get("format") == "date-time" for alt in since["schema"].get("anyOf", [])
    )
