"""Dashboard pages of event webhooks (owners only: a subscription's URL and secret are an
integration's settings, like API tokens; editors and viewers get 403, outsiders 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.permissions import workspace_view
from fanloop.lib import shown_once
from fanloop.webhooks import services
from fanloop.webhooks.events import event_types
from fanloop.webhooks.forms import SubscriptionForm
from fanloop.webhooks.models import Subscription, WebhookDelivery

# The session key of a signing secret just made or rotated, shown once (lib/shown_once.py).
NEW_SECRET_KEY = "fanloop_webhook_new_secret"
PAGE_SIZE = 50


def _subscription(workspace: Workspace, pk: int) -> Subscription:
    return get_object_or_404(Subscription, pk=pk, workspace=workspace)


def _errors_into(form: SubscriptionForm, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@workspace_view(Role.OWNER)
def subscription_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    subscriptions = Subscription.objects.filter(workspace=workspace)
    page = Paginator(subscriptions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/subscription_list.html",
        {"page": page, "has_any": page.paginator.count > 0, "types": event_types()},
    )


@workspace_view(Role.OWNER)
def subscription_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_subscription(
                workspace,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                created_by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            shown_once.keep(
                request, NEW_SECRET_KEY, created.subscription.pk, {"secret": created.secret}
            )
            return redirect("webhooks:detail", ws=workspace.slug, pk=created.subscription.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/subscription_form.html", {"form": form}, status=status)


@workspace_view(Role.OWNER)
def subscription_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    subscription = _subscription(workspace, pk)
    form = SubscriptionForm(
        request.POST or None,
        initial={
            "url": subscription.url,
            "description": subscription.description,
            "event_types": subscription.event_types,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subscription(
                subscription,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhooks:detail", ws=workspace.slug, pk=subscription.pk)
    shown = shown_once.take(request, NEW_SECRET_KEY, subscription.pk)
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "subscription": subscription,
        "form": form,
        "secret": shown["secret"] if shown else None,
        "page": page,
        "rotating": len(services.signing_secrets(subscription, timezone.now())) > 1,
        "rotation_hours": int(services.ROTATION_WINDOW.total_seconds() // 3600),
    }
    status = 400 if request.method == "POST" else 200
    return shown_once.render_page(
        request, "webhooks/subscription_detail.html", context, shown=shown, status=status
    )


@workspace_view(Role.OWNER)
@require_POST
def subscription_rotate(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    subscription = _subscription(workspace, pk)
    rotated = services.rotate_secret(subscription)
    shown_once.keep(request, NEW_SECRET_KEY, subscription.pk, {"secret": rotated.secret})
    return redirect("webhooks:detail", ws=workspace.slug, pk=subscription.pk)


@workspace_view(Role.OWNER)
@require_POST
def subscription_enable(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    subscription = _subscription(workspace, pk)
    enabled = request.POST.get("enabled") == "1"
    services.set_enabled(subscription, enabled)
    messages.success(request, "Webhook enabled." if enabled else "Webhook disabled.")
    return redirect("webhooks:detail", ws=workspace.slug, pk=subscription.pk)


@workspace_view(Role.OWNER)
@require_POST
def subscription_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    workspace = membership.workspace
    subscription = _subscription(workspace, pk)
    services.delete_subscription(subscription)
    messages.success(request, f"Webhook {subscription.url} deleted.")
    return redirect("webhooks:list", ws=workspace.slug)


@workspace_view(Role.OWNER)
@require_POST
def delivery_replay(
    request: HttpRequest, membership: Membership, pk: int, delivery_pk: int
) -> HttpResponse:
    workspace = membership.workspace
    subscription = _subscription(workspace, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, subscription=subscription)
    try:
        services.replay(delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The delivery will be sent again within seconds.")
    return redirect("webhooks:detail", ws=workspace.slug, pk=subscription.pk)
