"""Release-day delivery pages: live progress (and the fragment it polls), retry of failed
deliveries and the manual album override. Thin views over ``progress`` and ``overrides``.

Viewers see everything; editors and owners act. Outsiders get 404 (``@workspace_view``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.catalog.share_links import example
from fanloop.fulfillment import overrides
from fanloop.fulfillment.models import DeliveryState
from fanloop.fulfillment.progress import (
    PROBLEM_STATES,
    platform_label,
    problem_deliveries,
    release_progress,
)

PAGE_SIZE = 25
POLL_SECONDS = 2


class AlbumForm(forms.Form):
    """One pasted album link (or id) for one platform."""

    album = forms.CharField(max_length=500, strip=True)

    def __init__(self, *args: Any, platform: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform
        field = self.fields["album"]
        field.label = f"{platform_label(platform)} album link or id"
        field.widget.attrs.update(
            {"placeholder": example(platform, "album"), "autocomplete": "off"}
        )
        field.error_messages["required"] = "Paste the album's link."

    def clean_album(self) -> str:
        text: str = self.cleaned_data["album"]
        overrides.parse_album(self.platform, text)  # ValidationError → form error
        return text


def _release_or_404(workspace: Workspace, pk: int) -> Release:
    return get_object_or_404(
        Release.objects.select_related("artist"), pk=pk, artist__workspace=workspace
    )


def _live_context(request: HttpRequest, membership: Membership, release: Release) -> dict[str, Any]:
    kwargs = {"ws": membership.workspace.slug, "pk": release.pk}
    return {
        "release": release,
        "progress": release_progress(release),
        "can_edit": membership.can_edit,
        "poll_seconds": POLL_SECONDS,
        "fragment_url": reverse("fulfillment:progress_fragment", kwargs=kwargs),
        "progress_url": reverse("fulfillment:progress", kwargs=kwargs),
    }


@workspace_view(Role.VIEWER)
@require_GET
def progress(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The live progress page: numbers per platform and market, and the fans it failed for."""
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    state = request.GET.get("state", "")
    if state not in PROBLEM_STATES:
        state = ""
    problems = Paginator(problem_deliveries(release, state), PAGE_SIZE)
    context = _live_context(request, membership, release)
    context.update(
        {
            "problems": problems.get_page(request.GET.get("page")),
            "state_filter": state,
            "problem_states": [(s.value, s.label) for s in map(DeliveryState, PROBLEM_STATES)],
        }
    )
    return render(request, "fulfillment/progress.html", context)


@workspace_view(Role.VIEWER)
@require_GET
def progress_fragment(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Only the numbers, for the page to poll; it stops polling once nothing moves."""
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    response = render(
        request, "fulfillment/_live.html", _live_context(request, membership, release)
    )
    response["Cache-Control"] = "no-store"
    return response


@workspace_view(Role.EDITOR)
@require_POST
def retry(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Send the failed deliveries of the release (or of one platform) again."""
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    platform = request.POST.get("platform", "")
    if platform and platform not in platform_ids.keys():
        messages.error(request, "Unknown platform: nothing was retried.")
        return redirect("fulfillment:progress", ws=workspace.slug, pk=pk)
    count = overrides.retry_failed(release, platform)
    if count:
        noun = "delivery" if count == 1 else "deliveries"
        messages.success(request, f"{count} failed {noun} queued again.")
    else:
        messages.info(request, "No failed deliveries to retry.")
    return redirect("fulfillment:progress", ws=workspace.slug, pk=pk)


@workspace_view(Role.EDITOR)
def album_override(
    request: HttpRequest, membership: Membership, pk: int, platform: str
) -> HttpResponse:
    """Paste the album link when release-day detection cannot find the release."""
    workspace = membership.workspace
    if platform not in platform_ids.keys():
        raise Http404("No such platform.")
    release = _release_or_404(workspace, pk)
    form = AlbumForm(request.POST or None, platform=platform)
    if request.method == "POST" and form.is_valid():
        try:
            state = overrides.set_album_manually(release, platform, form.cleaned_data["album"])
        except ValidationError as error:  # pragma: no cover - the form parsed it already
            form.add_error("album", error)
        else:
            messages.success(
                request,
                f"{platform_label(platform)} album set to {state.url}: "
                "delivery starts for every market whose release time has passed.",
            )
            url = reverse("catalog:release_detail", kwargs={"ws": workspace.slug, "pk": pk})
            return redirect(f"{url}#delivery-h")
    progress_state = release.platform_states.filter(platform=platform).first()
    return render(
        request,
        "fulfillment/album_override.html",
        {
            "release": release,
            "form": form,
            "platform": platform,
            "platform_name": platform_label(platform),
            "state": progress_state,
        },
        status=400 if request.method == "POST" else 200,
    )
