"""Artists and releases: the catalog services the dashboard uses, scope ``catalog``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.params.functions import Query

from fanloop.accounts.models import Workspace
from fanloop.api.auth import require
from fanloop.api.idempotency import OPENAPI as IDEMPOTENCY
from fanloop.api.idempotency import idempotent
from fanloop.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from fanloop.api.respond import json_response
from fanloop.api.schemas import (
    ERRORS,
    ArtistIn,
    ArtistOut,
    ArtistPatch,
    Page,
    ReleaseIn,
    ReleaseOut,
    ReleasePatch,
)
from fanloop.api.tokens import READ, WRITE
from fanloop.catalog import services
from fanloop.catalog.models import Artist, Release

router = Router(tags=["catalog"])
FAMILY = "catalog"


def _artist(workspace: Workspace, pk: int) -> Artist:
    return get_object_or_404(Artist, pk=pk, workspace=workspace)


def _releases(workspace: Workspace) -> QuerySet[Release]:
    return Release.objects.filter(artist__workspace=workspace).prefetch_related(
        "tracks", "platform_ids"
    )


def _release(workspace: Workspace, pk: int) -> Release:
    return get_object_or_404(_releases(workspace), pk=pk)


# --- artists -----------------------------------------------------------------------


@router.get("/artists", response={200: Page[ArtistOut], **ERRORS})
def list_artists(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    artists = token.workspace.artists.prefetch_related("platform_ids")
    items, next_url = page(request, artists, cursor, limit)
    return {"items": items, "next": next_url}


@router.post("/artists", response={201: ArtistOut, **ERRORS}, openapi_extra=IDEMPOTENCY)
@idempotent
def create_artist(request: HttpRequest, body: ArtistIn) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    artist = services.create_artist(token.workspace, **body.model_dump())
    return json_response(ArtistOut, artist, 201)


@router.get("/artists/{artist_id}", response={200: ArtistOut, **ERRORS})
def get_artist(request: HttpRequest, artist_id: int) -> Artist:
    token = require(request, FAMILY, READ)
    return _artist(token.workspace, artist_id)


@router.patch("/artists/{artist_id}", response={200: ArtistOut, **ERRORS})
def update_artist(request: HttpRequest, artist_id: int, body: ArtistPatch) -> Artist:
    token = require(request, FAMILY, WRITE)
    artist = _artist(token.workspace, artist_id)
    fields: dict[str, Any] = {
        key: value or ({} if key == "platform_links" else "")
        for key, value in body.model_dump(exclude_unset=True).items()
    }
    services.update_artist(artist, **fields)
    return _artist(token.workspace, artist_id)


# --- releases ----------------------------------------------------------------------


def _release_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], list[Any] | None]:
    tracks = fields.pop("tracks", None)
    fields.pop("artist_id", None)
    if fields.get("release_time"):
        hours, minutes = fields["release_time"].split(":")
        fields["release_time"] = dt.time(int(hours), int(minutes))
    return {key: value for key, value in fields.items() if value is not None}, tracks


@router.get("/releases", response={200: Page[ReleaseOut], **ERRORS})
def list_releases(
    request: HttpRequest,
    artist_id: int | None = None,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> dict[str, Any]:
    token = require(request, FAMILY, READ)
    releases = _releases(token.workspace)
    if artist_id is not None:
        releases = releases.filter(artist_id=artist_id)
    items, next_url = page(request, releases, cursor, limit)
    return {"items": items, "next": next_url}


@router.post("/releases", response={201: ReleaseOut, **ERRORS}, openapi_extra=IDEMPOTENCY)
@idempotent
def create_release(request: HttpRequest, body: ReleaseIn) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    artist = _artist(token.workspace, body.artist_id)
    fields, tracks = _release_fields(body.model_dump())
    release = services.create_release(artist, fields, tracks or [])  # type: ignore[arg-type]
    return json_response(ReleaseOut, _release(token.workspace, release.pk), 201)


@router.get("/releases/{release_id}", response={200: ReleaseOut, **ERRORS})
def get_release(request: HttpRequest, release_id: int) -> Release:
    token = require(request, FAMILY, READ)
    return _release(token.workspace, release_id)


@router.patch("/releases/{release_id}", response={200: ReleaseOut, **ERRORS})
def update_release(request: HttpRequest, release_id: int, body: ReleasePatch) -> Release:
    token = require(request, FAMILY, WRITE)
    release = _release(token.workspace, release_id)
    given = body.model_dump(exclude_unset=True)
    fields, tracks = _release_fields(dict(given))
    if given.get("artist_id") is not None:
        fields["artist"] = _artist(token.workspace, given["artist_id"])
    if "focus_track" in given:
        fields["focus_track"] = given["focus_track"]
    services.update_release(release, fields, tracks)  # type: ignore[arg-type]
    return _release(token.workspace, release_id)


@router.post(
    "/releases/{release_id}/publish",
    response={200: ReleaseOut, **ERRORS},
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def publish_release(request: HttpRequest, release_id: int) -> HttpResponse:
    token = require(request, FAMILY, WRITE)
    services.publish_release(_release(token.workspace, release_id))
    return json_response(ReleaseOut, _release(token.workspace, release_id))
