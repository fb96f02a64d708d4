"""Dashboard writes need the CSRF token: a forged cross-site POST changes nothing."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.catalog.models import Artist


def test_a_post_without_token_is_refused(owner, workspace, release):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = reverse("catalog:release_publish", kwargs={"ws": workspace.slug, "pk": release.pk})
    assert client.post(url).status_code == 403
    release.refresh_from_db()
    assert not release.published
    create = reverse("catalog:artist_create", kwargs={"ws": workspace.slug})
    assert client.post(create, {"name": "Forged"}).status_code == 403
    assert not Artist.objects.filter(name="Forged").exists()


def test_forms_carry_the_token(owner_client, workspace, artist):
    content = owner_client.get(
        reverse("catalog:release_create", kwargs={"ws": workspace.slug})
    ).content
    assert b'name="csrfmiddlewaretoken"' in content
