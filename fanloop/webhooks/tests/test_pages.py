"""The webhook pages: owners create, read (the secret once), edit, rotate, enable, delete
and replay; editors and viewers are refused (403), outsiders see nothing (404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.webhooks import services
from fanloop.webhooks.models import DeliveryStatus, Subscription, WebhookDelivery

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/fanloop"


@pytest.fixture
def subscription(workspace: Workspace) -> Subscription:
    return services.create_subscription(
        workspace, url=URL, event_types=["fan.presaved"]
    ).subscription


@pytest.fixture
def delivery(subscription: Subscription) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event_type="fan.presaved",
        event_key="k1",
        msg_id="msg_test",
        payload={"type": "fan.presaved"},
        status=DeliveryStatus.FAILED,
        attempts=9,
    )


def _pages(
    workspace: Workspace, subscription: Subscription, delivery: WebhookDelivery
) -> list[tuple[str, str]]:
    ws, pk = workspace.slug, subscription.pk
    return [
        ("get", reverse("webhooks:list", kwargs={"ws": ws})),
        ("get", reverse("webhooks:create", kwargs={"ws": ws})),
        ("post", reverse("webhooks:create", kwargs={"ws": ws})),
        ("get", reverse("webhooks:detail", kwargs={"ws": ws, "pk": pk})),
        ("post", reverse("webhooks:detail", kwargs={"ws": ws, "pk": pk})),
        ("post", reverse("webhooks:rotate", kwargs={"ws": ws, "pk": pk})),
        ("post", reverse("webhooks:enable", kwargs={"ws": ws, "pk": pk})),
        ("post", reverse("webhooks:delete", kwargs={"ws": ws, "pk": pk})),
        (
            "post",
            reverse("webhooks:replay", kwargs={"ws": ws, "pk": pk, "delivery_pk": delivery.pk}),
        ),
    ]


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": URL,
        "description": "CRM",
        "event_types": ["fan.presaved", "release.live"],
    }
    data.update(overrides)
    return data


def _unchanged(subscription: Subscription, delivery: WebhookDelivery) -> None:
    fresh = Subscription.objects.get(pk=subscription.pk)
    assert (fresh.url, fresh.secret, fresh.enabled) == (
        subscription.url,
        subscription.secret,
        subscription.enabled,
    )
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.FAILED
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "editor", "viewer"])
def test_only_owners_reach_the_pages(
    persona: str,
    request: pytest.FixtureRequest,
    workspace: Workspace,
    subscription: Subscription,
    delivery: WebhookDelivery,
) -> None:
    client: Client = request.getfixturevalue(f"{persona}_client")
    expected = 404 if persona == "outsider" else 403
    for method, path in _pages(workspace, subscription, delivery):
        response = getattr(client, method)(path, _form() if method == "post" else None)
        assert response.status_code == expected, (persona, method, path)
    _unchanged(subscription, delivery)


def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, workspace: Workspace, subscription: Subscription, delivery: WebhookDelivery
) -> None:
    for method, path in _pages(workspace, subscription, delivery):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    _unchanged(subscription, delivery)


def test_an_owner_creates_a_webhook_and_sees_its_secret_once(
    owner_client: Client, workspace: Workspace
) -> None:
    response = owner_client.post(reverse("webhooks:create", kwargs={"ws": workspace.slug}), _form())
    subscription = Subscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "webhooks:detail", kwargs={"ws": workspace.slug, "pk": subscription.pk}
    )
    assert subscription.event_types == ["fan.presaved", "release.live"]
    assert subscription.description == "CRM" and subscription.enabled
    page = owner_client.get(response["Location"])
    assert subscription.secret in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    again = owner_client.get(response["Location"])
    assert subscription.secret not in again.content.decode()
    listing = owner_client.get(reverse("webhooks:list", kwargs={"ws": workspace.slug}))
    assert URL in listing.content.decode()
    assert subscription.secret not in listing.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": ""}, "url", "This field is required."),
        ({"url": "ftp://example.com/x"}, "url", "only http and https"),
        ({"url": "https://user:pw@example.com/x"}, "url", "cannot hold credentials"),
        ({"url": "https://example.com/" + "x" * 500}, "url", "at most 500"),
        ({"event_types": []}, "event_types", "Choose at least one event type."),
        ({"event_types": ["nope"]}, "event_types", "Select a valid choice"),
        ({"description": "d" * 101}, "description", "at most 100"),
    ],
)
def test_the_form_explains_what_is_wrong(
    owner_client: Client, workspace: Workspace, fields: dict[str, Any], field: str, message: str
) -> None:
    response = owner_client.post(
        reverse("webhooks:create", kwargs={"ws": workspace.slug}), _form(**fields)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not Subscription.objects.exists()


def test_a_workspace_has_a_limited_number_of_webhooks(workspace: Workspace) -> None:
    for _ in range(services.MAX_SUBSCRIPTIONS):
        services.create_subscription(workspace, url=URL, event_types=["fan.saved"])
    with pytest.raises(Exception, match="at most"):
        services.create_subscription(workspace, url=URL, event_types=["fan.saved"])


def test_an_owner_edits_rotates_disables_replays_and_deletes(
    owner_client: Client,
    workspace: Workspace,
    subscription: Subscription,
    delivery: WebhookDelivery,
) -> None:
    ws, pk = workspace.slug, subscription.pk
    detail = reverse("webhooks:detail", kwargs={"ws": ws, "pk": pk})
    response = owner_client.post(detail, _form(url="https://other.example.com/in"))
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url == "https://other.example.com/in"
    old_secret = subscription.secret

    owner_client.post(reverse("webhooks:rotate", kwargs={"ws": ws, "pk": pk}))
    subscription.refresh_from_db()
    assert subscription.secret != old_secret and subscription.previous_secret == old_secret
    page = owner_client.get(detail).content.decode()
    assert subscription.secret in page and "Rotating" in page
    assert old_secret not in page

    owner_client.post(reverse("webhooks:enable", kwargs={"ws": ws, "pk": pk}), {"enabled": "0"})
    subscription.refresh_from_db()
    assert not subscription.enabled
    replay = reverse("webhooks:replay", kwargs={"ws": ws, "pk": pk, "delivery_pk": delivery.pk})
    owner_client.post(replay)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED  # enable first
    owner_client.post(reverse("webhooks:enable", kwargs={"ws": ws, "pk": pk}), {"enabled": "1"})
    owner_client.post(replay)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None

    page = owner_client.get(detail).content.decode()
    assert "msg_test" in page
    owner_client.post(reverse("webhooks:delete", kwargs={"ws": ws, "pk": pk}))
    assert not Subscription.objects.exists() and not WebhookDelivery.objects.exists()


def test_another_workspaces_delivery_cannot_be_replayed_through_ones_own(
    owner_client: Client, workspace: Workspace, outsider: Any
) -> None:
    other = outsider.memberships.get().workspace
    theirs = services.create_subscription(other, url=URL, event_types=["fan.saved"])
    mine = services.create_subscription(workspace, url=URL, event_types=["fan.saved"])
    their_delivery = WebhookDelivery.objects.create(
        subscription=theirs.subscription,
        event_type="fan.saved",
        event_key="k",
        msg_id="msg_theirs",
        status=DeliveryStatus.FAILED,
    )
    replay = reverse(
        "webhooks:replay",
        kwargs={"ws": workspace.slug, "pk": mine.subscription.pk, "delivery_pk": their_delivery.pk},
    )
    assert owner_client.post(replay).status_code == 404
    assert WebhookDelivery.objects.get(pk=their_delivery.pk).status == DeliveryStatus.FAILED
