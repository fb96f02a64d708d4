"""Text from fans, platforms and members (names, emails, attribution, artist names in consent
wording) is escaped on every dashboard and portal page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.consent_log import record_consent
from fanloop.fans.presaves import Attribution, record_presave
from fanloop.fans.rights import portal_url

from .conftest import connect, make_release

XSS = "<script>alert(1)</script>"


def test_it_escapes_everything_it_shows(owner_client, workspace, spotify_app):
    artist = create_artist(workspace, name=f"Band {XSS}")
    release = create_release(
        artist, {"title": f"Song {XSS}", "release_date": make_release(artist).release_date}, []
    )
    fan, conn = connect(spotify_app, "x", name=f"Fan {XSS}", email="x@example.org")
    record_consent(fan, "follow", True, page=f"/p/{XSS}", artist=artist)
    record_presave(
        fan,
        release,
        "spotify",
        connection=conn,
        attribution=Attribution(utm_source=XSS, referrer_host=XSS, landing_page=XSS),
    )
    ws = workspace.slug
    pages = [
        owner_client.get(reverse("fans:fan_list", kwargs={"ws": ws})),
        owner_client.get(reverse("fans:fan_list", kwargs={"ws": ws}), {"q": XSS}),
        owner_client.get(reverse("fans:fan_detail", kwargs={"ws": ws, "pk": fan.pk})),
        owner_client.get(reverse("fans:presaves", kwargs={"ws": ws}), {"release": release.pk}),
        owner_client.get(reverse("fans:presaves", kwargs={"ws": ws})),
        owner_client.get(reverse("fans:fan_delete", kwargs={"ws": ws, "pk": fan.pk})),
        Client().get(portal_url(fan)),
    ]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert XSS not in body, response.request["PATH_INFO"]
    detail = pages[2].content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
