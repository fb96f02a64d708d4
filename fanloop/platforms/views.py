"""Dashboard pages for a workspace's platform apps: thin views over ``platforms.services``.

Members see the list (never a secret); only owners add, edit, (de)activate or delete apps,
since credentials are sensitive; editors may also run the connection check.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.platforms import services
from fanloop.platforms.forms import FORMS, AppForm, attach_errors
from fanloop.platforms.models import PlatformApp
from fanloop.platforms.registry import PLATFORMS, app_setup, on_page_labels, redirect_keys

PAGE_SIZE = 25


def _app_or_404(workspace: Workspace, pk: int) -> PlatformApp:
    # Secrets stay encrypted in the database: no page needs them decrypted.
    apps = PlatformApp.objects.defer(*services.SECRET_FIELDS).select_related("workspace")
    return get_object_or_404(apps, pk=pk, workspace=workspace)


def _redirect_uris() -> dict[str, str | None]:
    """Per platform, the redirect URI to register (None while capture is not installed)."""
    return {p: PlatformApp(platform=p).routed_redirect_uri() for p in redirect_keys()}


def _redirect_rows() -> list[dict[str, str | None]]:
    """Per platform: its label, the redirect URI to register, and why the platform would
    refuse it ("" when it accepts it), so the owner sees it before any fan does."""
    rows: list[dict[str, str | None]] = []
    for platform in redirect_keys():
        app = PlatformApp(platform=platform)
        uri = app.routed_redirect_uri()
        refusal = app.redirect_uri_refusal() if uri else ""
        rows.append(
            {"platform": platform, "label": PLATFORMS[platform][0], "uri": uri, "refusal": refusal}
        )
    return rows


def _setup_steps(platform: str) -> dict[str, Any]:
    """Where to find the credentials: the adapter module's steps and note (its own trusted
    HTML, with the development mode's user cap filled in)."""
    setup = app_setup(platform)
    if setup is None:
        return {"setup_steps": [], "setup_note": ""}
    cap = setup.development.user_cap if setup.development else None
    return {
        "setup_steps": [mark_safe(step) for step in setup.steps],
        "setup_note": mark_safe(setup.note.format(user_cap=cap)),
    }


def _back_to_list(app: PlatformApp) -> HttpResponseRedirect:
    url = reverse("platforms:app_list", kwargs={"ws": app.workspace.slug})
    return HttpResponseRedirect(f"{url}#app-{app.pk}")


@workspace_view(Role.VIEWER)
def app_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    quotas = services.quota_summary(workspace)
    context = {
        "page": Paginator(quotas, PAGE_SIZE).get_page(request.GET.get("page")),
        "platforms": services.platform_summary(quotas),
        "redirect_rows": _redirect_rows(),
        "signs_in_on_page": " and ".join(on_page_labels()),
        "is_owner": membership.can(Role.OWNER),
        "can_check": membership.can(Role.EDITOR),
    }
    return render(request, "platforms/app_list.html", context)


def _render_form(
    request: HttpRequest, form: AppForm, platform: str, app: PlatformApp | None
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "app": app,
        "platform": platform,
        "label": PLATFORMS[platform][0],
        "redirect_uri": _redirect_uris().get(platform),
        "redirect_refusal": PlatformApp(platform=platform).redirect_uri_refusal(),
        "uses_redirect": platform in redirect_keys(),
        **_setup_steps(platform),
    }
    if app is not None:
        context["quota"] = next(
            (q for q in services.quota_summary(app.workspace) if q.app.pk == app.pk), None
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "platforms/app_form.html", context, status=status)


@workspace_view(Role.OWNER)
def app_create(request: HttpRequest, membership: Membership, platform: str) -> HttpResponse:
    workspace = membership.workspace
    if platform not in FORMS:
        raise Http404("No such platform.")
    form = FORMS[platform](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.create_app(workspace, platform, **form.service_fields())
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                f"{app.get_platform_display()} app “{app.title}” added. Test its connection to be "
                "sure the credentials work.",
            )
            return _back_to_list(app)
    return _render_form(request, form, platform, None)


@workspace_view(Role.OWNER)
def app_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    app = _app_or_404(workspace, pk)
    form = FORMS[app.platform](request.POST or None, request.FILES or None, app=app)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_app(app, **form.service_fields())
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, f"{app.get_platform_display()} app “{app.title}” saved.")
            return _back_to_list(app)
    return _render_form(request, form, app.platform, app)


@workspace_view(Role.EDITOR)
@require_POST
def app_check(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    app = _app_or_404(workspace, pk)
    check = services.check_connection(app)
    if check.ok:
        messages.success(request, f"Connection check of “{app.title}” passed: {check.message}")
    else:
        messages.error(request, f"Connection check of “{app.title}” failed: {check.message}")
    return _back_to_list(app)


# What an owner is told after (de)activating an app.
ACTIVE_MESSAGES = {
    True: "“{title}” is active again: new fans can connect through it.",
    False: "“{title}” is inactive: it takes no new fans; fans already connected through it keep "
    "their pre-saves.",
}


def _set_active(
    request: HttpRequest, membership: Membership, pk: int, active: bool
) -> HttpResponse:
    app = services.set_app_active(_app_or_404(membership.workspace, pk), active)
    messages.success(request, ACTIVE_MESSAGES[active].format(title=app.title))
    return _back_to_list(app)


@workspace_view(Role.OWNER)
@require_POST
def app_activate(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _set_active(request, membership, pk, True)


@workspace_view(Role.OWNER)
@require_POST
def app_deactivate(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _set_active(request, membership, pk, False)


@workspace_view(Role.OWNER)
def app_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (refused while fans are connected through it)."""
    workspace = membership.workspace
    app = _app_or_404(workspace, pk)
    connected = services.connected_users(app)
    if request.method == "POST":
        try:
            services.delete_app(app)
        except services.PlatformAppError as error:
            messages.error(request, str(error))
            return _back_to_list(app)
        messages.success(request, f"{app.get_platform_display()} app “{app.title}” deleted.")
        return redirect("platforms:app_list", ws=workspace.slug)
    return render(
        request, "platforms/app_confirm_delete.html", {"app": app, "connected": connected}
    )
