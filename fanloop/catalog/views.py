"""Dashboard pages for artists and releases: thin views over ``catalog.services``.

Every workspace page goes through ``@workspace_view``: outsiders get 404, viewers
can read but get 403 on any write, and objects of another workspace are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from fanloop.accounts.context_processors import workspace as workspace_context
from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.catalog import platform_ids, services, share, uploads
from fanloop.catalog.forms import (
    ArtistForm,
    ReleaseForm,
    artist_initial,
    split_errors,
    track_formset,
    tracks_from_formset,
)
from fanloop.catalog.home import (
    WEEK,
    ReleaseNumbers,
    home_parts,
    platforms_without_app,
    setup_checklist,
)
from fanloop.catalog.models import Artist, Release, ReleaseMode, Track
from fanloop.catalog.panels import release_panels
from fanloop.lib.markets import EARLIEST_ZONE, MARKET_TIME_ZONES

PAGE_SIZE = 25
# Markets shown on a release page to make "midnight in each market" concrete,
# from the first to reach a date to the last.
SAMPLE_MARKETS = ("NZ", "AU", "JP", "IN", "ZA", "DE", "GB", "BR", "US", "MX")
SESSION_WORKSPACE = "catalog.workspace"


def _page(request: HttpRequest, items: QuerySet[Any]) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


# --- entry points ----------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """``/`` and ``/dashboard/``: the member's last (or first) workspace, else sign in."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user=request.user).select_related("workspace")
    last = request.session.get(SESSION_WORKSPACE)
    membership = (memberships.filter(workspace__slug=last).first() if last else None) or (
        memberships.order_by("created", "pk").first()
    )
    if membership is None:
        return redirect("accounts:workspaces")
    return redirect("catalog:dashboard", ws=membership.workspace.slug)


@workspace_view(Role.VIEWER)
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace home: the setup checklist until it is done, what needs attention, and
    the releases (newest release date first) with their numbers and this week's change."""
    workspace = membership.workspace
    if request.session.get(SESSION_WORKSPACE) != workspace.slug:  # avoid a write per view
        request.session[SESSION_WORKSPACE] = workspace.slug
    releases = Release.objects.filter(artist__workspace=workspace).select_related("artist")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        releases = releases.filter(
            Q(title__icontains=query) | Q(artist__name__icontains=query) | Q(upc=query)
        )
    status = request.GET.get("status", "")
    if status == "published":
        releases = releases.filter(published=True)
    elif status == "draft":
        releases = releases.filter(published=False)
    else:
        status = ""
    artist = None
    artist_pk = request.GET.get("artist", "")
    if artist_pk.isdigit():
        artist = Artist.objects.filter(workspace=workspace, pk=int(artist_pk)).first()
        if artist is not None:
            releases = releases.filter(artist=artist)
    page = _page(request, releases)
    now = timezone.now()
    numbers = home_parts.release_numbers(workspace, page.object_list, now - WEEK)
    rows = [(release, numbers.get(release.pk, ReleaseNumbers())) for release in page]
    steps = setup_checklist(workspace)
    has_any = steps[1].done
    return render(
        request,
        "catalog/dashboard.html",
        {
            "page": page,
            "rows": rows,
            "steps": steps if not all(step.done for step in steps) else [],
            "steps_done": sum(step.done for step in steps),
            "attention": home_parts.attention(workspace, now) if has_any else [],
            "query": query,
            "status": status,
            "artist_filter": artist,
            "has_any": has_any,
            "has_artists": steps[0].done,
            "can_edit": membership.can_edit,
            "now": now,
        },
    )


# --- artists ---------------------------------------------------------------------


@workspace_view(Role.VIEWER)
def artist_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    artists = (
        workspace.artists.annotate(release_count=Count("releases"))
        .prefetch_related("platform_ids")
        .order_by("name", "pk")
    )
    page = _page(request, artists)
    rows = [(artist, platform_ids.artist_profiles(artist)) for artist in page]
    return render(
        request,
        "catalog/artist_list.html",
        {"page": page, "rows": rows, "can_edit": membership.can_edit},
    )


ARTIST_FILES = ["image"]
RELEASE_FILES = ["artwork"]


def _files(
    request: HttpRequest, workspace: Workspace, fields: list[str]
) -> tuple[Any, dict[str, uploads.Kept]]:
    """The request's files plus the uploads kept from the previous failed submit."""
    if request.method != "POST":
        return None, {}
    return uploads.with_kept(workspace, request.POST, request.FILES, fields)


def _artist_form_page(
    request: HttpRequest, workspace: Workspace, artist: Artist | None
) -> HttpResponse:
    """The artist form: a new artist (``artist`` None) or an existing one's edit; on a valid
    POST the artist is created or updated and the list shown."""
    files, kept = _files(request, workspace, ARTIST_FILES)
    initial = artist_initial(artist) if artist is not None else None
    form = ArtistForm(request.POST or None, files, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if artist is None:
                saved = services.create_artist(workspace, **form.service_fields())
            else:
                services.update_artist(artist, **form.service_fields())
                saved = artist
        except ValidationError as error:
            split_errors(error, form)
            if artist is not None:
                artist.refresh_from_db()  # the page shows the saved artist, not the attempt
        else:
            uploads.discard(workspace, kept)
            done = "added" if artist is None else "saved"
            messages.success(request, f"Artist “{saved.name}” {done}.")
            return redirect("catalog:artist_list", ws=workspace.slug)
    if request.method == "POST":
        kept = uploads.keep_after_error(workspace, form, files, kept, ARTIST_FILES)
    return render(
        request,
        "catalog/artist_form.html",
        {"form": form, "artist": artist, "kept": kept},
        status=400 if request.method == "POST" else 200,
    )


@workspace_view(Role.EDITOR)
def artist_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _artist_form_page(request, membership.workspace, None)


@workspace_view(Role.EDITOR)
def artist_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    artist = get_object_or_404(Artist, pk=pk, workspace=membership.workspace)
    return _artist_form_page(request, membership.workspace, artist)


@workspace_view(Role.EDITOR)
def artist_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    artist = get_object_or_404(Artist, pk=pk, workspace=workspace)
    if request.method == "POST":
        name = artist.name
        services.delete_artist(artist)
        messages.success(request, f"Artist “{name}” and their releases were deleted.")
        return redirect("catalog:artist_list", ws=workspace.slug)
    return render(
        request,
        "catalog/artist_confirm_delete.html",
        {"artist": artist, "releases": artist.releases.all()[:50]},
    )


# --- releases --------------------------------------------------------------------


def _release_or_404(workspace: Workspace, pk: int) -> Release:
    return get_object_or_404(
        Release.objects.select_related("artist"), pk=pk, artist__workspace=workspace
    )


def _render_release_form(
    request: HttpRequest,
    form: ReleaseForm,
    formset: Any,
    release: Release | None,
    track_errors: list[str],
    kept: dict[str, uploads.Kept],
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    context = {
        "kept": kept,
        "form": form,
        "formset": formset,
        "release": release,
        "track_errors": track_errors,
        "global_mode": ReleaseMode.GLOBAL.value,
    }
    return render(request, "catalog/release_form.html", context, status=status)


@workspace_view(Role.EDITOR)
def release_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    artists = workspace.artists.order_by("name", "pk")
    if not artists.exists():
        messages.info(request, "Add an artist first: every release belongs to an artist.")
        return redirect("catalog:artist_create", ws=workspace.slug)
    initial: dict[str, Any] = {"release_time_zone": "UTC"}
    wanted = request.GET.get("artist", "")
    if wanted.isdigit():
        initial["artist"] = artists.filter(pk=int(wanted)).first()
    files, kept = _files(request, workspace, RELEASE_FILES)
    form = ReleaseForm(request.POST or None, files, artists=artists, initial=initial)
    formset = track_formset(request.POST or None, extra=5)
    track_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            release = services.create_release(
                form.cleaned_data["artist"], form.service_fields(), tracks_from_formset(formset)
            )
        except ValidationError as error:
            track_errors = split_errors(error, form)
        else:
            uploads.discard(workspace, kept)
            messages.success(request, f"Release “{release.title}” created as a draft.")
            return redirect("catalog:release_detail", ws=workspace.slug, pk=release.pk)
    if request.method == "POST":
        kept = uploads.keep_after_error(workspace, form, files, kept, RELEASE_FILES)
    return _render_release_form(request, form, formset, None, track_errors, kept)


def _release_initial(release: Release) -> dict[str, Any]:
    return {
        "artist": release.artist,
        "title": release.title,
        "slug": release.slug,
        "release_type": release.release_type,
        "artwork": release.artwork or None,
        "release_mode": release.release_mode,
        "release_date": release.release_date,
        "release_time": release.release_time,
        "release_time_zone": release.release_time_zone,
        "upc": release.upc,
        "label_line": release.label_line,
        "description": release.description,
        **{
            platform_ids.album_field(key): album_id
            for key, album_id in platform_ids.release_ids(release).items()
        },
        "in_app_presave_url": release.in_app_presave_url,
        "consents_upfront": release.consents_upfront,
        "focus_track": release.focus_track,
        "post_release_description": release.post_release_description,
        "theme": release.theme,
        "accent_color": release.accent_color,
    }


@workspace_view(Role.EDITOR)
def release_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    artists = workspace.artists.order_by("name", "pk")
    files, kept = _files(request, workspace, RELEASE_FILES)
    form = ReleaseForm(
        request.POST or None,
        files,
        artists=artists,
        initial=_release_initial(release),
    )
    tracks = [
        {"position": t.position, "title": t.title, "isrc": t.isrc} for t in release.tracks.all()
    ]
    formset = track_formset(request.POST or None, initial=tracks, extra=3)
    track_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = form.service_fields()
        fields["artist"] = form.cleaned_data["artist"]
        try:
            services.update_release(release, fields, tracks_from_formset(formset))
        except ValidationError as error:
            track_errors = split_errors(error, form)
            release = _release_or_404(workspace, pk)  # show what is saved, not the attempt
        else:
            uploads.discard(workspace, kept)
            messages.success(request, f"Release “{release.title}” saved.")
            return redirect("catalog:release_detail", ws=workspace.slug, pk=release.pk)
    if request.method == "POST":
        kept = uploads.keep_after_error(workspace, form, files, kept, RELEASE_FILES)
    return _render_release_form(request, form, formset, release, track_errors, kept)


def _market_times(release: Release) -> list[tuple[str, str, dt.datetime]]:
    if release.release_mode == ReleaseMode.GLOBAL:
        return []
    rows = [(code, MARKET_TIME_ZONES[code]) for code in SAMPLE_MARKETS]
    times = [(code, zone, release.instant_for_market(code)) for code, zone in rows]
    return sorted(times, key=lambda row: row[2])


@workspace_view(Role.VIEWER)
def release_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    release = get_object_or_404(
        Release.objects.select_related("artist").prefetch_related(
            Prefetch("tracks", queryset=Track.objects.order_by("position"))
        ),
        pk=pk,
        artist__workspace=workspace,
    )
    context = {
        "release": release,
        "tracks": release.tracks.all(),
        "albums": platform_ids.release_albums(release),
        "can_edit": membership.can_edit,
        "timing": release.timing(),
        "first_instant": release.first_instant(),
        "last_instant": release.last_instant(),
        "earliest_zone": EARLIEST_ZONE,
        "market_times": _market_times(release),
        # The delivery, audience and library-check panels of higher apps.
        "panels": release_panels.render(
            {"request": request, **workspace_context(request)}, release
        ),
        "edit_url": reverse("catalog:release_edit", kwargs={"ws": workspace.slug, "pk": pk}),
        # Platforms whose pre-save button cannot open: warned before and after publishing.
        "without_app": platforms_without_app(workspace),
    }
    return render(request, "catalog/release_detail.html", context)


@workspace_view(Role.EDITOR)
@require_POST
def release_publish(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    release = services.publish_release(_release_or_404(workspace, pk))
    messages.success(request, f"Published: fans can open {release.public_url}")
    missing = platforms_without_app(workspace)
    if missing:
        messages.warning(
            request,
            f"Pre-save on {', '.join(missing)} is not open yet: this workspace has no app "
            "there. Add one on the platform apps page; until then fans there are offered "
            "an email reminder.",
        )
    return redirect("catalog:release_detail", ws=workspace.slug, pk=pk)


@workspace_view(Role.EDITOR)
@require_POST
def release_unpublish(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    services.unpublish_release(_release_or_404(workspace, pk))
    messages.success(request, "Unpublished: the page is hidden from fans; members can preview it.")
    return redirect("catalog:release_detail", ws=workspace.slug, pk=pk)


@workspace_view(Role.EDITOR)
def release_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    if request.method == "POST":
        title = release.title
        services.delete_release(release)
        messages.success(request, f"Release “{title}” deleted.")
        return redirect("catalog:dashboard", ws=workspace.slug)
    return render(request, "catalog/release_confirm_delete.html", {"release": release})


@workspace_view(Role.EDITOR)
def kept_upload(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    """The image kept from a failed submit of this workspace's form, for its preview (the
    token in the query string, which request logs leave out)."""
    found = uploads.read(membership.workspace, request.GET.get("token", ""))
    if found is None:
        raise Http404("No such upload.")
    path, content_type, _ = found
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- share tools -----------------------------------------------------------------


@workspace_view(Role.VIEWER)
def release_share(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The release's QR code, share images, links per channel and the UTM link builder."""
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    built = ""
    utm_errors: list[str] = []
    values = {name: request.GET.get(name, "").strip()[:100] for name in ("source", "medium")}
    values["campaign"] = request.GET.get("campaign", "").strip()[:100] or release.slug
    if "source" in request.GET:
        wanted, utm_errors = share.check_utm(**values)
        if wanted is not None:
            built = share.tagged(release.public_url, wanted.source, wanted.medium, wanted.campaign)
    status = 400 if utm_errors else 200
    context = {
        "release": release,
        "qr": mark_safe(share.qr_svg(release.short_url)),  # segno's own markup
        "channels": share.channel_links(release),
        "utm": values,
        "utm_errors": utm_errors,
        "built": built,
        "can_edit": membership.can_edit,
    }
    return render(request, "catalog/release_share.html", context, status=status)


@workspace_view(Role.VIEWER)
def release_share_qr(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    release = _release_or_404(membership.workspace, pk)
    response = HttpResponse(share.qr_svg(release.short_url), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="{release.slug}-qr.svg"'
    return response


@workspace_view(Role.VIEWER)
def release_share_image(
    request: HttpRequest, membership: Membership, pk: int, kind: str
) -> HttpResponse:
    release = _release_or_404(membership.workspace, pk)
    if kind not in share.SIZES:
        raise Http404("No such image.")
    body = share.share_image(release, kind, live=release.is_released())
    response = HttpResponse(body, content_type="image/jpeg")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{release.slug}-{kind}.jpg"'
    response["Cache-Control"] = "private, max-age=60"
    return response


@workspace_view(Role.EDITOR)
@require_POST
def release_presave_counter(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Switch the public pre-save counter on or off."""
    workspace = membership.workspace
    release = _release_or_404(workspace, pk)
    shown = request.POST.get("show") == "1"
    services.update_release(release, {"show_presave_count": shown})
    messages.success(
        request,
        "The page now shows how many fans pre-saved."
        if shown
        else "The page no longer shows the pre-save count.",
    )
    return redirect("catalog:release_share", ws=workspace.slug, pk=pk)
