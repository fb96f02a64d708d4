"""The "Listen links" page of a release: editors paste links, viewers read them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from fanloop.accounts.models import Membership, Role
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog.listen_forms import ListenLinksForm
from fanloop.catalog.listen_links import links_of, set_listen_links
from fanloop.catalog.models import Release
from fanloop.catalog.release_urls import listen_targets
from fanloop.platforms.listen_services import CUSTOM


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_view(Role.VIEWER)
def release_listen_links(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    release = get_object_or_404(
        Release.objects.select_related("artist"),
        pk=pk,
        artist__workspace=membership.workspace,
    )
    can_edit = membership.can(Role.EDITOR)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Viewers can read the listen links, not change them.")
    stored = links_of(release)
    initial: dict[str, str] = {f"url_{key}": link.url for key, link in stored.items()}
    if CUSTOM in stored:
        initial["custom_label"] = stored[CUSTOM].label
    form = ListenLinksForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_listen_links(release, form.urls(), form.cleaned_data["custom_label"])
        except ValidationError as error:
            for key, problems in error.message_dict.items():
                field = "custom_label" if key == "custom_label" else f"url_{key}"
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Listen links saved.")
            return redirect(
                "catalog:release_listen_links", ws=membership.workspace.slug, pk=release.pk
            )
    # What the page offers now, and where each link comes from.
    offered = [
        (target, url, "pasted" if target.key in stored else "found")
        for target, url in listen_targets(release)
    ]
    status = 400 if request.method == "POST" else 200
    context = {"release": release, "form": form, "can_edit": can_edit, "offered": offered}
    return render(request, "catalog/release_listen_links.html", context, status=status)
