"""Viewers read every fans page and the CSV; only editors and owners may email a fan their
data link or delete a fan (viewers get 403 and nothing changes)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from fanloop.fans.models import Fan


@pytest.mark.parametrize(
    "name", ["fan_list", "export_email_csv", "presaves", "presaves_csv", "expiring", "fan_detail"]
)
def test_it_lets_viewers_read(viewer_client, connected, release, name):
    fan, _ = connected
    kwargs = {"ws": fan.workspace.slug, **({"pk": fan.pk} if name == "fan_detail" else {})}
    response = viewer_client.get(reverse(f"fans:{name}", kwargs=kwargs), {"release": release.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["fan_send_link", "fan_delete"])
def test_it_refuses_viewers_any_write(viewer_client, connected, name):
    fan, _ = connected
    url = reverse(f"fans:{name}", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    assert viewer_client.post(url).status_code == 403
    assert Fan.objects.filter(pk=fan.pk).exists() and mail.outbox == []


def test_it_hides_write_buttons_from_viewers(viewer_client, connected):
    fan, _ = connected
    page = viewer_client.get(
        reverse("fans:fan_detail", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    ).content.decode()
    assert "Delete this fan" not in page and "Email them a link" not in page


def test_it_lets_editors_email_a_fan_their_data_link(editor_client, connected):
    fan, _ = connected
    url = reverse("fans:fan_send_link", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    response = editor_client.post(url, follow=True)
    assert "Sent fan@example.org a link" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan@example.org"]
    assert "/me/" in mail.outbox[0].body


def test_it_explains_when_the_fan_has_no_address(editor_client, spotify_app):
    from .conftest import connect

    fan, _ = connect(spotify_app)
    url = reverse("fans:fan_send_link", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    response = editor_client.post(url, follow=True)
    assert "no email address" in response.content.decode() and mail.outbox == []


def test_it_lets_editors_delete_a_fan_after_confirming(editor_client, connected):
    fan, _ = connected
    url = reverse("fans:fan_delete", kwargs={"ws": fan.workspace.slug, "pk": fan.pk})
    assert "Delete fan@example.org?" in editor_client.get(url).content.decode()
    response = editor_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("fans:fan_list", kwargs={"ws": fan.workspace.slug})
    assert not Fan.objects.exists()
