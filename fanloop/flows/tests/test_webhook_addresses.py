"""The webhook address check sees through IPv6 forms that embed an IPv4 address:
IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4 and Teredo."""

from __future__ import annotations

import pytest

from fanloop.flows import webhooks_out


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]/x",
        "http://[::ffff:169.254.169.254]/x",
        "http://[::ffff:0:127.0.0.1]/x",
        "http://[64:ff9b::127.0.0.1]/x",
        "http://[64:ff9b::169.254.169.254]/x",
        "http://[64:ff9b::10.0.0.1]/x",
        "http://[64:ff9b:1::8.8.8.8]/x",
        "http://[2002:7f00:1::1]/x",
        "http://[2002:a9fe:a9fe::1]/x",
        "http://[2002:c0a8:0101::1]/x",
        "http://[::127.0.0.1]/x",
        "http://[::169.254.169.254]/x",
        "http://[::10.1.2.3]/x",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x",  # Teredo to 127.0.0.1
    ],
)
def test_it_refuses_ipv6_forms_of_private_ipv4(url: str, settings) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks_out.UnsafeWebhookUrl, match="not a public address"):
        webhooks_out.resolve_target(url)


@pytest.mark.parametrize(
    "url, address",
    [
        ("https://[2606:4700:4700::1111]/x", "2606:4700:4700::1111"),
        ("https://[64:ff9b::8.8.8.8]/x", "64:ff9b::808:808"),
        ("https://[2002:808:808::1]/x", "2002:808:808::1"),
        ("https://[::ffff:8.8.8.8]/x", "::ffff:8.8.8.8"),
    ],
)
def test_it_still_allows_public_addresses(url: str, address: str, settings) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = False
    _, checked, port = webhooks_out.resolve_target(url)
    assert checked == address
    assert port == 443


def test_allow_private_lets_embedded_private_addresses_through(settings) -> None:
    settings.FLOW_WEBHOOK_ALLOW_PRIVATE = True
    assert webhooks_out.resolve_target("http://[64:ff9b::10.0.0.1]/x")[1] == "64:ff9b::a00:1"
