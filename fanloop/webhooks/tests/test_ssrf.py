"""Subscriptions send through the shared sender's SSRF guard: private, loopback and
link-local addresses are refused (also in the IPv6 forms that embed them) and no call is
made; redirects are not followed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from fanloop.accounts.models import Workspace
from fanloop.lib import webhook_sender
from fanloop.webhooks import services
from fanloop.webhooks.models import DeliveryStatus, WebhookDelivery

from .conftest import Receiver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[::ffff:169.254.169.254]/x",
        "http://[64:ff9b::127.0.0.1]/x",
        "http://[64:ff9b::169.254.169.254]/x",
        "http://[2002:7f00:1::1]/x",
        "http://[2002:a9fe:a9fe::1]/x",
        "http://[::127.0.0.1]/x",
        "http://[::169.254.169.254]/x",
        "http://[fe80::1]/x",
    ],
)
def test_the_sender_refuses_non_public_addresses(url: str, settings: Any) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhook_sender.UnsafeWebhookUrl, match="not a public address"):
        webhook_sender.resolve_target(url)
    result = webhook_sender.post(url, b"{}", {})
    assert not result.ok and result.refused and result.detail.startswith("refused:")


def test_a_subscription_to_a_local_address_gets_no_call(
    settings: Any, workspace: Workspace, receiver: Receiver
) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = False
    services.create_subscription(workspace, url=receiver.url, event_types=["fan.presaved"])
    services.record_event(
        workspace.pk,
        "fan.presaved",
        key="k",
        data={},
        at=timezone.now(),
    )
    [result] = services.send_due()
    assert result.status == DeliveryStatus.RETRYING
    assert "not a public address" in result.detail
    assert receiver.calls == []
    assert WebhookDelivery.objects.get().response_code is None


def test_redirects_are_not_followed(
    workspace: Workspace, receiver: Receiver, local_calls: None
) -> None:
    receiver.default = 302
    result = webhook_sender.post(receiver.url, b"{}", {})
    assert not result.ok and not result.retry
    assert result.detail == "HTTP 302: redirects are not followed"
    assert len(receiver.calls) == 1
