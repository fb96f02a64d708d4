"""Email pages: templates (list, edit, preview, test send, delete), the outbox, the
suppression list and the demo's sink under ``/w/<ws>/email/``; and the fans' public
endpoints: unsubscribe ``/u/<token>``, tracked clicks ``/e/c/<token>`` and the open
pixel ``/e/o/<token>.gif``.

Dashboard views go through ``@workspace_view``: outsiders get 404, viewers read, editors
and owners write. Writes go through the services (``sending``, ``email_templates``,
``suppressions``, ``tracking``).
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.analytics.useragents import is_bot
from fanloop.catalog.models import Artist
from fanloop.fans.models import Fan
from fanloop.lib.signing import InvalidLink
from fanloop.messaging import (
    backends,
    email_templates,
    rendering,
    sending,
    sink,
    tokens,
    tracking,
)
from fanloop.messaging import sending_rules as sending_rules_service
from fanloop.messaging import suppressions as suppression_list
from fanloop.messaging.addresses import address_hashes
from fanloop.messaging.forms import (
    EmailTemplateForm,
    PreviewForm,
    SendingRulesForm,
    SuppressionForm,
)
from fanloop.messaging.models import EmailTemplate, MessageStatus, OutboundMessage, Suppression

PAGE_SIZE = 25
# The consent log (shown to members) records this, never the link with the fan's token.
UNSUBSCRIBE_PAGE = "/u/ (unsubscribe page)"
QUERY_MAX = 100
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# What each inert link of a preview or test send stands for.
TEST_LINKS = {
    "save": "save the release to the fan's library",
    "save_track": "save this track of the release to the fan's library",
    "follow": "follow the artist on the fan's platform",
    "portal": "open the fan's “manage my data” page",
    "listen": "open the release on a streaming platform",
}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _page(request: HttpRequest, name: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, name, {"sink_on": sink.sink_dir() is not None, **context})


def _template(workspace: Workspace, pk: int) -> EmailTemplate:
    return get_object_or_404(
        EmailTemplate.objects.select_related("artist", "workspace"), pk=pk, workspace=workspace
    )


# --- templates -----------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def template_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    artists = list(Artist.objects.filter(workspace=workspace).order_by("name"))
    artist_pk = _int(request.GET.get("artist"))
    rows = EmailTemplate.objects.filter(workspace=workspace).select_related("artist")
    if artist_pk is not None:
        rows = rows.filter(artist_id=artist_pk)
    page = Paginator(rows.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "messaging/template_list.html",
        {
            "page": page,
            "artists": artists,
            "artist_pk": artist_pk,
            "has_any": EmailTemplate.objects.filter(workspace=workspace).exists(),
            "can_edit": membership.can_edit,
            "section": "templates",
        },
    )


def _template_form(
    request: HttpRequest, workspace: Workspace, template: EmailTemplate | None
) -> HttpResponse:
    form = EmailTemplateForm(request.POST or None, instance=template, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.workspace = workspace
        try:
            email_templates.save_template(saved)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("messaging:template_preview", ws=workspace.slug, pk=saved.pk)
    return _page(
        request,
        "messaging/template_form.html",
        {"form": form, "template": template, "section": "templates"},
    )


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def template_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    return _template_form(request, workspace, None)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    return _template_form(request, workspace, _template(workspace, pk))


@workspace_view(Role.VIEWER)
@require_safe
def template_preview(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    template = _template(workspace, pk)
    form = PreviewForm(request.GET or None)
    fan = None
    if form.is_valid() and form.cleaned_data["fan"]:
        query = form.cleaned_data["fan"].strip().lower()
        fan = Fan.objects.filter(workspace=workspace, email=query).first()
        if fan is None:
            form.add_error("fan", "No fan of this workspace has that address.")
    rendered = problem = None
    try:
        rendered = rendering.render_message(template, rendering.preview_context(template, fan=fan))
    except rendering.TemplateProblem as exc:
        problem = str(exc)
    return _page(
        request,
        "messaging/template_preview.html",
        {
            "template": template,
            "form": form,
            "fan": fan,
            "rendered": rendered,
            "problem": problem,
            "used_by": email_templates.templates_in_use(template),
            "can_edit": membership.can_edit,
            "section": "templates",
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def template_test_send(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    template = _template(workspace, pk)
    address = str(request.user.email)  # type: ignore[union-attr]
    fan = None
    fan_email = request.POST.get("fan", "").strip().lower()[:254]
    if fan_email:
        fan = Fan.objects.filter(workspace=workspace, email=fan_email).first()
    try:
        sending.send_test_email(template, to=address, fan=fan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Test email sent to {address}.")
    return redirect("messaging:template_preview", ws=workspace.slug, pk=template.pk)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def template_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    template = _template(workspace, pk)
    used_by = email_templates.templates_in_use(template)
    if request.method == "POST":
        try:
            email_templates.delete_template(template)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("messaging:template_preview", ws=workspace.slug, pk=template.pk)
        messages.success(request, f"Deleted “{template.name}”.")
        return redirect("messaging:template_list", ws=workspace.slug)
    return _page(
        request,
        "messaging/template_delete.html",
        {"template": template, "used_by": used_by, "section": "templates"},
    )


# --- outbox -------------------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def outbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    status = request.GET.get("status", "")
    status = status if status in MessageStatus.values else ""
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    template_pk = _int(request.GET.get("template"))
    rows = OutboundMessage.objects.filter(workspace=workspace).select_related("fan", "template")
    if status:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(to__icontains=query) | Q(subject__icontains=query))
    if template_pk is not None:
        rows = rows.filter(template_id=template_pk)
    page = Paginator(rows.order_by("-created", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    # In doubt, and waiting for the mail server: told apart from sent and failed, above.
    counts = OutboundMessage.objects.filter(workspace=workspace).aggregate(
        in_doubt=Count("pk", filter=Q(status=MessageStatus.UNCERTAIN)),
        waiting=Count("pk", filter=Q(status=MessageStatus.PENDING, attempts__gt=0)),
    )
    return _page(
        request,
        "messaging/outbox.html",
        {
            "page": page,
            "in_doubt": counts["in_doubt"],
            "waiting_for_server": counts["waiting"],
            "retries_in_doubt": backends.takes_key(get_connection()),
            "filters": {
                "status": status,
                "q": query,
                "template": template_pk,
                "any": bool(status or query or template_pk),
            },
            "status_choices": MessageStatus.choices,
            "templates": EmailTemplate.objects.filter(workspace=workspace).order_by("name"),
            "has_any": OutboundMessage.objects.filter(workspace=workspace).exists(),
            "sink_on": sink.sink_dir() is not None,
            "section": "outbox",
        },
    )


# --- sending rules ---------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_http_methods(["GET", "HEAD", "POST"])
def sending_rules(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace's frequency cap and quiet hours: viewers read, editors and owners set."""
    workspace = membership.workspace
    can_edit = membership.can_edit
    rules = sending_rules_service.rules_of(workspace)
    start, end = rules.quiet_hours or (None, None)
    initial = {
        "frequency_cap": rules.cap,
        "frequency_window_hours": int(rules.window.total_seconds() // 3600),
        "quiet_start": start,
        "quiet_end": end,
    }
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = SendingRulesForm(request.POST)
        if form.is_valid():
            try:
                sending_rules_service.save_rules(workspace, **form.cleaned_data)
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name, problem)
            else:
                messages.success(request, "Sending rules saved: they apply to the next emails.")
                return redirect("messaging:sending_rules", ws=workspace.slug)
    else:
        form = SendingRulesForm(initial=initial)
    if not can_edit:
        for form_field in form.fields.values():
            form_field.disabled = True
    return _page(
        request,
        "messaging/sending_rules.html",
        {"form": form, "rules": rules, "can_edit": can_edit, "section": "rules"},
    )


# --- suppressions -----------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def suppressions(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _suppressions_page(request, membership, SuppressionForm())


def _suppressions_page(
    request: HttpRequest, membership: Membership, form: SuppressionForm
) -> HttpResponse:
    workspace = membership.workspace
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    rows = Suppression.objects.filter(workspace=workspace)
    if query:
        # A whole address also finds the row of an erased fan, kept by its hash only.
        by_hash = Q(email_hash__in=address_hashes(query)) if "@" in query else Q(pk__in=[])
        rows = rows.filter(Q(email__icontains=query) | Q(detail__icontains=query) | by_hash)
    page = Paginator(rows.order_by("-created", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "messaging/suppressions.html",
        {
            "page": page,
            "query": query,
            "form": form,
            "has_any": Suppression.objects.filter(workspace=workspace).exists(),
            "can_edit": membership.can_edit,
            "section": "suppressions",
        },
    )


@workspace_view(Role.EDITOR)
@require_POST
def suppression_add(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = SuppressionForm(request.POST)
    if form.is_valid():
        try:
            row = suppression_list.add_suppression(
                workspace, form.cleaned_data["email"], detail=form.cleaned_data["detail"]
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, f"{row.email} will not get any email from this workspace.")
            return redirect("messaging:suppressions", ws=workspace.slug)
    return _suppressions_page(request, membership, form)


@workspace_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def suppression_remove(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    row = get_object_or_404(Suppression, pk=pk, workspace=workspace)
    if request.method == "POST":
        suppression_list.remove_suppression(row)
        messages.success(
            request, f"Removed {row.email or 'the erased address'} from the suppression list."
        )
        return redirect("messaging:suppressions", ws=workspace.slug)
    return _page(
        request, "messaging/suppression_remove.html", {"row": row, "section": "suppressions"}
    )


# --- the demo's SMTP sink ------------------------------------------------------------------


@workspace_view(Role.VIEWER)
@require_safe
def sink_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    folder = sink.sink_dir()
    if folder is None:
        raise Http404("No SMTP sink is configured.")
    page = Paginator(sink.entries(workspace), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "messaging/sink_list.html",
        {"page": page, "folder": folder, "section": "sink"},
    )


@workspace_view(Role.VIEWER)
@require_safe
def sink_message(request: HttpRequest, membership: Membership, name: str) -> HttpResponse:
    workspace = membership.workspace
    if sink.sink_dir() is None:
        raise Http404("No SMTP sink is configured.")
    found = sink.read(workspace, name)
    if found is None:
        raise Http404("No such message.")
    return _page(request, "messaging/sink_message.html", {"message": found, "section": "sink"})


# --- public: unsubscribe, tracking ---------------------------------------------------------


def _public(
    request: HttpRequest, name: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, f"messaging/{name}.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # RFC 8058: mail clients POST without a CSRF token; the signed token is the key
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe anyone); POST with the
    RFC 8058 body ``List-Unsubscribe=One-Click`` unsubscribes: from the button, or from
    a mail client's one-click unsubscribe."""
    try:
        read = tokens.read_unsubscribe_token(token)
    except InvalidLink as exc:
        return _public(request, "unsubscribe_invalid", {"reason": str(exc)}, status=404)
    if read is None:
        return _public(request, "test_link", {"what": "unsubscribe the fan from every email"})
    fan_pk, message_pk = read
    fan = Fan.objects.select_related("workspace").filter(pk=fan_pk).first()
    if fan is None or not fan.email:
        return _public(
            request,
            "unsubscribe_invalid",
            {"reason": "This address is no longer on any list here."},
            status=404,
        )
    message = None
    if message_pk is not None:
        message = OutboundMessage.objects.filter(pk=message_pk, fan=fan).first()
    sender = message.template.artist if message and message.template else None
    # Whoever holds the link (a forwarded email) sees no more than this, and gets no
    # other link: the data portal is reached from the emails' own "Manage your data".
    context = {
        "address": _masked(fan.email),
        "workspace_name": fan.workspace.name,
        "sender": sender.name if sender else fan.workspace.name,
    }
    if request.method != "POST":
        return _public(request, "unsubscribe", context)
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return _public(request, "unsubscribe", {**context, "bad_request": True}, status=400)
    suppression_list.unsubscribe(fan, message=message, page=UNSUBSCRIBE_PAGE)
    return _public(request, "unsubscribed", context)


def _masked(address: str) -> str:
    """``jo@fans.example`` → ``j…@fans.example``: enough to recognise one's address."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def _a_person(request: HttpRequest) -> bool:
    """Link scanners and scripts follow links too: only browsers count as clicks and opens."""
    user_agent = request.headers.get("User-Agent", "")
    return bool(user_agent) and not is_bot(user_agent)


@never_cache
@require_safe
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click, then redirect to the URL signed in the token (and only there);
    an expired link explains itself and goes nowhere."""
    try:
        message_pk, url = tokens.read_click_token(token)
    except InvalidLink as exc:
        if exc.expired:
            return _public(request, "link_expired", {"days": tokens.CLICK_LINK_DAYS}, status=410)
        return _public(request, "unsubscribe_invalid", {"reason": str(exc)}, status=404)
    if request.method == "GET" and _a_person(request):
        tracking.record_click(message_pk, url)
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message_pk = tokens.read_open_token(token)
    except InvalidLink:
        message_pk = None
    if message_pk is not None and request.method == "GET" and _a_person(request):
        tracking.record_open(message_pk)
    return HttpResponse(PIXEL, content_type="image/gif")


@require_safe
def test_link(request: HttpRequest, what: str) -> HttpResponse:
    """Where the links of previews and test sends lead: what the link would do."""
    if what not in TEST_LINKS:
        raise Http404("No such link.")
    return _public(request, "test_link", {"what": TEST_LINKS[what]})
