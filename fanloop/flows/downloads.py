"""The library checks' CSV download (beside the fans' own downloads, at the same address):
per pre-saver of a release, kept / removed / not checked at +1, +7 and +30 days."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_safe

from fanloop.accounts.models import Membership, Role
from fanloop.accounts.permissions import workspace_view
from fanloop.fans.views import chosen_release, stream_csv
from fanloop.flows import checks


@workspace_view(Role.VIEWER)
@require_safe
def checks_csv(request: HttpRequest, membership: Membership) -> StreamingHttpResponse:
    """Per pre-saver of a release: kept / removed / not checked at +1, +7, +30 days."""
    release = chosen_release(membership.workspace, request)
    filename = f"library-checks-{release.artist.slug}-{release.slug}.csv"
    return stream_csv(checks.CSV_HEADER, checks.csv_rows(release), filename)
