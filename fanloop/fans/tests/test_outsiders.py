"""Every fans page of a workspace is 404 for members of other workspaces (GET and POST, nothing
changes) and sends anonymous visitors to log in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.catalog.models import Release
from fanloop.fans.models import Fan, PlatformConnection

PAGES = [
    ("fans:fan_list", False),
    ("fans:export_email_csv", False),
    ("fans:presaves", False),
    ("fans:presaves_csv", False),
    ("flows:checks_csv", False),  # the library checks are flows' (same address)
    ("fans:expiring", False),
    ("fans:fan_detail", True),
    ("fans:fan_send_link", True),
    ("fans:fan_delete", True),
]


def _url(name: str, with_fan: bool, fan: Fan, release: Release) -> str:
    kwargs: dict[str, str | int] = {"ws": fan.workspace.slug}
    if with_fan:
        kwargs["pk"] = fan.pk
    url = reverse(name, kwargs=kwargs)
    return f"{url}?release={release.pk}" if name.endswith("csv") or name == "fans:presaves" else url


@pytest.mark.parametrize(("name", "with_fan"), PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_404_for_outsiders(outsider_client, connected, release, name, with_fan, method):
    fan, _ = connected
    response = getattr(outsider_client, method)(_url(name, with_fan, fan, release))
    assert response.status_code == 404
    assert Fan.objects.filter(pk=fan.pk).exists() and PlatformConnection.objects.exists()
    assert b"fan@example.org" not in b"".join(
        response.streaming_content if response.streaming else [response.content]
    )


@pytest.mark.parametrize(("name", "with_fan"), PAGES)
def test_it_sends_anonymous_visitors_to_log_in(connected, release, name, with_fan):
    response = Client().get(_url(name, with_fan, connected[0], release))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_is_404_for_a_fan_of_another_workspace(owner_client, workspace, other_workspace):
    theirs = Fan.objects.create(workspace=other_workspace, email="x@example.org")
    for name in ("fan_detail", "fan_delete"):
        url = reverse(f"fans:{name}", kwargs={"ws": workspace.slug, "pk": theirs.pk})
        assert owner_client.get(url).status_code == 404
    assert (
        owner_client.post(
            reverse("fans:fan_delete", kwargs={"ws": workspace.slug, "pk": theirs.pk})
        ).status_code
        == 404
    )
    assert Fan.objects.filter(pk=theirs.pk).exists()


def test_it_is_404_for_a_release_of_another_workspace(owner_client, workspace, other_release):
    for name in ("fans:presaves", "fans:presaves_csv", "flows:checks_csv", "fans:expiring"):
        url = reverse(name, kwargs={"ws": workspace.slug})
        assert owner_client.get(f"{url}?release={other_release.pk}").status_code == 404
