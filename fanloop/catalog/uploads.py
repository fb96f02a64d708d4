"""Uploads kept across a form's validation error: the member does not pick the file again.

When a form with a fresh image fails for another field, the upload is written to a
private folder (``DATA_DIR/pending-uploads``, not served as media) and the page carries a
signed token naming it, the workspace and the content type. The next submit without a new
file uses the kept one; the form shows it from ``catalog:kept_upload``, to editors of that
workspace only. Kept files older than ``KEEP_FOR`` are deleted when another is kept.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from PIL import Image, UnidentifiedImageError

from fanloop.accounts.models import Workspace
from fanloop.catalog.validators import ARTWORK_FORMATS, validate_artwork
from fanloop.lib.signing import InvalidLink, sign, unsign

SALT = "fanloop.catalog.kept-upload"
# How long a kept upload stays usable: time enough to fix a form, not a store of files.
KEEP_FOR = dt.timedelta(hours=1)
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SUFFIX = "_kept"  # the hidden input carrying a field's token: "<field>_kept"


@dataclass(frozen=True)
class Kept:
    token: str
    url: str
    name: str


def folder() -> Path:
    return Path(settings.DATA_DIR) / "pending-uploads"


def _forget_old() -> None:
    cutoff = time.time() - KEEP_FOR.total_seconds()
    for path in folder().glob("*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another process removed it first


def keep(workspace: Workspace, upload: UploadedFile) -> Kept | None:
    """Keep ``upload`` for the next submit, or None when it is no image we accept."""
    try:
        validate_artwork(upload)
        upload.seek(0)
        with Image.open(upload, formats=ARTWORK_FORMATS) as image:
            content_type = CONTENT_TYPES[str(image.format)]
    except (ValidationError, UnidentifiedImageError, OSError, KeyError, ValueError):
        return None
    folder().mkdir(parents=True, exist_ok=True)
    _forget_old()
    file_id = secrets.token_hex(16)
    upload.seek(0)
    with (folder() / file_id).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    name = (upload.name or "upload")[-100:]
    token = sign({"w": workspace.pk, "f": file_id, "t": content_type, "n": name}, SALT)
    return Kept(token, kept_url(workspace, token), name)


def read(workspace: Workspace, token: str) -> tuple[Path, str, str] | None:
    """(path, content type, original name) of a kept upload of ``workspace``, else None."""
    try:
        payload, _ = unsign(token, SALT, max_age=KEEP_FOR)
    except InvalidLink:
        return None
    file_id = str(payload.get("f", ""))
    if payload.get("w") != workspace.pk or not file_id.isalnum():
        return None
    path = folder() / file_id
    if not path.is_file():
        return None
    return path, str(payload.get("t", "")), str(payload.get("n", "upload"))


def discard(workspace: Workspace, kept: dict[str, Kept]) -> None:
    """Delete kept uploads the form has now saved (they are copies of the stored file)."""
    for item in kept.values():
        found = read(workspace, item.token)
        if found is not None:
            found[0].unlink(missing_ok=True)


def kept_url(workspace: Workspace, token: str) -> str:
    query = urlencode({"token": token})
    return f"{reverse('catalog:kept_upload', kwargs={'ws': workspace.slug})}?{query}"


def with_kept(
    workspace: Workspace, data: Any, files: MultiValueDict[str, UploadedFile], fields: list[str]
) -> tuple[MultiValueDict[str, UploadedFile], dict[str, Kept]]:
    """The request's files plus the kept upload of each of ``fields`` that got no new file
    (and was not cleared), and the kept uploads still in use."""
    merged = files.copy()
    kept: dict[str, Kept] = {}
    for field in fields:
        token = str(data.get(field + SUFFIX, ""))
        if not token or field in files or data.get(f"{field}-clear"):
            continue
        found = read(workspace, token)
        if found is None:
            continue
        path, content_type, name = found
        merged[field] = SimpleUploadedFile(name, path.read_bytes(), content_type)
        kept[field] = Kept(token, kept_url(workspace, token), name)
    return merged, kept


def keep_after_error(
    workspace: Workspace,
    form: forms.Form,
    files: MultiValueDict[str, UploadedFile],
    kept: dict[str, Kept],
    fields: list[str],
) -> dict[str, Kept]:
    """After a failed submit: what to carry to the next one for each of ``fields`` (the
    new upload when its own field has no error, else nothing)."""
    result: dict[str, Kept] = {}
    for field in fields:
        if field in form.errors:
            continue
        if field in kept:
            result[field] = kept[field]
            continue
        upload = files.get(field)
        if upload is not None:
            saved = keep(workspace, upload)
            if saved is not None:
                result[field] = saved
    return result
