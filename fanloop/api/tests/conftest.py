"""API test fixtures: catalog data made through the services, tokens of the workspace and
of an outsider's workspace, and a helper to call the API with a token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.api import tokens
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.messaging.tests.conftest import smtp_sink  # noqa: F401 - fixture, used by name

ALL_SCOPES = [tokens.scope(family, tokens.WRITE) for family in tokens.FAMILIES]


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="The Lanterns")


@pytest.fixture
def release(artist: Artist) -> Release:
    return create_release(
        artist,
        {"title": "First Light", "release_date": timezone.localdate() + dt.timedelta(days=30)},
        [{"title": "Dawn"}, {"title": "Noon"}],
    )


@pytest.fixture
def other_workspace(outsider: User) -> Workspace:
    return outsider.memberships.get().workspace


def make_token(workspace: Workspace, scopes: list[str] | None = None, **fields: Any) -> str:
    return tokens.create_token(
        workspace,
        name=fields.pop("name", "test"),
        scopes=ALL_SCOPES if scopes is None else scopes,
        expires_at=fields.pop("expires_at", None),
        created_by=None,
    ).secret


@pytest.fixture
def secret(workspace: Workspace) -> str:
    return make_token(workspace)


@pytest.fixture
def outsider_secret(other_workspace: Workspace) -> str:
    return make_token(other_workspace)


Call = Callable[..., Any]


@pytest.fixture
def call(client: Client) -> Call:
    """``call(method, path, secret, json=..., **headers)`` through Django's test client."""

    def do(method: str, path: str, secret: str | None, json: Any = None, **headers: str) -> Any:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if secret is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        kwargs: dict[str, Any] = {}
        if json is not None:
            kwargs = {"data": json, "content_type": "application/json"}
        return getattr(client, method.lower())(f"/api/v1{path}", **kwargs, **extra)

    return do
