"""Serves uploaded images (artwork, artist pictures) from MEDIA_ROOT.

File names are content hashes, so responses are cacheable forever; only image
files under MEDIA_ROOT are served, whatever the path tries.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

# Only what the catalog writes: anything else someone drops in MEDIA_ROOT stays private.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
CACHE_FOREVER = "public, max-age=31536000, immutable"


def _resolve(path: str) -> Path:
    if "\x00" in path or "\\" in path:
        raise Http404("No such file.")
    parts = PurePosixPath(path).parts
    if not parts or any(part.startswith(".") for part in parts):
        raise Http404("No such file.")  # no traversal, no hidden files
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        full = Path(safe_join(root, *parts)).resolve()
    except (SuspiciousFileOperation, ValueError):
        raise Http404("No such file.") from None
    # resolve() follows symlinks: a link pointing out of MEDIA_ROOT is refused here.
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404("No such file.")
    return full


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    content_type = CONTENT_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404("No such file.")
    full = _resolve(path)
    stat = full.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = FileResponse(full.open("rb"), content_type=content_type)
        response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = CACHE_FOREVER
    # Images only: nothing served from here may run scripts even if a browser sniffs it.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
