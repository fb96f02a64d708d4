"""Every delivery URL: outsiders get 404 (GET and POST, nothing changes), anonymous visitors
go to log in, viewers see but get 403 on every write, editors and owners act."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Release
from fanloop.fulfillment import urls
from fanloop.fulfillment.models import Delivery, DeliveryState, ReleasePlatform

from .ui_fixtures import SPOTIFY_ALBUM, artist_fixture, deliveries, release_fixture  # noqa: F401

# (url name, extra kwargs, method, form data); a write is any POST.
ENDPOINTS = [
    ("progress", {}, "get", {}),
    ("progress_fragment", {}, "get", {}),
    ("retry", {}, "post", {}),
    ("album_override", {"platform": "spotify"}, "get", {}),
    ("album_override", {"platform": "spotify"}, "post", {"album": SPOTIFY_ALBUM}),
]
READS = [e for e in ENDPOINTS if e[2] == "get"]
WRITES = [e for e in ENDPOINTS if e[2] == "post"]
Endpoint = tuple[str, dict[str, str], str, dict[str, str]]
EDITOR_ONLY_READS: list[Endpoint] = [("album_override", {"platform": "spotify"}, "get", {})]


def _url(release: Release, name: str, extra: dict[str, str]) -> str:
    return reverse(
        f"fulfillment:{name}",
        kwargs={"ws": release.artist.workspace.slug, "pk": release.pk, **extra},
    )


@pytest.fixture
def failed(release):
    return deliveries(release, {"failed": 2})


def _unchanged(release: Release) -> None:
    assert Delivery.objects.filter(release=release, state=DeliveryState.FAILED).count() == 2
    assert not ReleasePlatform.objects.filter(release=release).exists()
    assert platform_ids.release_ids(release) == {}


def test_every_url_is_in_this_list():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == {name for name, *_ in ENDPOINTS}


@pytest.mark.parametrize(("name", "extra", "method", "data"), ENDPOINTS)
@pytest.mark.parametrize("other_method", [False, True])
def test_it_is_404_for_outsiders(outsider_client, release, failed, name, extra, method, data,
                                 other_method):  # fmt: skip
    verb = {"get": "post", "post": "get"}[method] if other_method else method
    response = getattr(outsider_client, verb)(_url(release, name, extra), data)
    assert response.status_code == 404
    assert b"Midnight Signal" not in response.content
    _unchanged(release)


@pytest.mark.parametrize(("name", "extra", "method", "data"), ENDPOINTS)
def test_it_sends_anonymous_visitors_to_log_in(release, failed, name, extra, method, data):
    response = getattr(Client(), method)(_url(release, name, extra), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    _unchanged(release)


@pytest.mark.parametrize(("name", "extra", "method", "data"), WRITES + EDITOR_ONLY_READS)
def test_viewers_cannot_act(viewer_client, release, failed, name, extra, method, data):
    response = getattr(viewer_client, method)(_url(release, name, extra), data)
    assert response.status_code == 403
    _unchanged(release)


@pytest.mark.parametrize(("name", "extra", "method", "data"), [
    e for e in READS if e not in EDITOR_ONLY_READS
])  # fmt: skip
def test_viewers_can_see(viewer_client, release, failed, name, extra, method, data):
    assert viewer_client.get(_url(release, name, extra)).status_code == 200


@pytest.mark.parametrize("who", ["editor_client", "owner_client"])
def test_editors_and_owners_can_act(request, who, release, failed):
    client = request.getfixturevalue(who)
    assert client.post(_url(release, "retry", {})).status_code == 302
    assert not Delivery.objects.filter(state=DeliveryState.FAILED).exists()
    response = client.post(
        _url(release, "album_override", {"platform": "spotify"}), {"album": SPOTIFY_ALBUM}
    )
    assert response.status_code == 302
    assert ReleasePlatform.objects.get(release=release).album_id == SPOTIFY_ALBUM


def test_it_is_404_for_a_release_of_another_workspace(owner_client, release, outsider):
    from fanloop.catalog.services import create_artist, create_release

    theirs = create_release(
        create_artist(outsider.memberships.get().workspace, name="Mallory"),
        {"title": "Secret", "release_date": release.release_date},
        [],
    )
    for name, extra, method, data in ENDPOINTS:
        url = reverse(
            f"fulfillment:{name}",
            kwargs={"ws": release.artist.workspace.slug, "pk": theirs.pk, **extra},
        )
        assert getattr(owner_client, method)(url, data).status_code == 404


def test_it_is_404_for_an_unknown_platform(owner_client, release):
    url = _url(release, "album_override", {"platform": "napster"})
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {"album": "1"}).status_code == 404
