"""Every POST of the portal and of the fans dashboard needs a CSRF token: without one it is
refused and nothing changes."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.fans.models import Consent, Fan, PlatformConnection
from fanloop.fans.rights import portal_url

from .conftest import token_of


def test_it_refuses_portal_posts_without_a_csrf_token(connected):
    fan, connection = connected
    token = token_of(fan)
    client = Client(enforce_csrf_checks=True)
    consents = Consent.objects.count()
    for url, data in [
        (reverse("fans:portal_disconnect", args=[token, connection.pk]), {}),
        (reverse("fans:portal_revoke", args=[token]), {"kind": "email"}),
        (reverse("fans:portal_delete", args=[token]), {"confirm": "yes"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Fan.objects.exists() and PlatformConnection.objects.exists()
    assert Consent.objects.count() == consents


def test_it_accepts_portal_posts_with_the_page_csrf_token(connected):
    fan, _ = connected
    client = Client(enforce_csrf_checks=True)
    page = client.get(portal_url(fan))
    csrf = page.context["csrf_token"]
    token = token_of(fan)
    response = client.post(
        reverse("fans:portal_revoke", args=[token]), {"kind": "follow", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302


def test_it_refuses_dashboard_posts_without_a_csrf_token(owner, connected):
    fan, _ = connected
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("fans:fan_delete", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    assert client.post(url).status_code == 403
    url = reverse("fans:fan_send_link", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    assert client.post(url).status_code == 403
    assert Fan.objects.exists()
