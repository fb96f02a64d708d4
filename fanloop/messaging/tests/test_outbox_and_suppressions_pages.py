"""The outbox (filters, pagination, test sends marked), the suppression list (search, add,
remove with confirmation; viewers read only) and the demo mailbox (only when the sink is
configured, only messages of this workspace)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.messaging.addresses import address_hash
from fanloop.messaging.models import MessageStatus, OutboundMessage, Suppression
from fanloop.messaging.sending import send_email
from fanloop.messaging.views import PAGE_SIZE

from .conftest import subscribed_fan


def _url(route: str, workspace, **kwargs) -> str:
    return reverse(f"messaging:{route}", kwargs={"ws": workspace.slug, **kwargs})


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_outbox_is_empty_at_first(viewer_client, workspace):
    page = viewer_client.get(_url("outbox", workspace)).content.decode()
    assert "Nothing sent yet." in page


def test_the_outbox_lists_and_filters(locmem, viewer_client, workspace, template, fan, release):
    send_email(fan=fan, template=template, key="sent", release=release)
    stranger = subscribed_fan(workspace, "nope@fans.example")
    Suppression.objects.create(workspace=workspace, email=stranger.email, reason="manual")
    send_email(fan=stranger, template=template, key="supp")
    page = viewer_client.get(_url("outbox", workspace)).content.decode()
    assert "jo@fans.example" in page and "nope@fans.example" in page
    assert "On the suppression list: manual." in page
    page = viewer_client.get(_url("outbox", workspace), {"status": "sent"}).content.decode()
    assert "jo@fans.example" in page and "nope@fans.example" not in page
    page = viewer_client.get(_url("outbox", workspace), {"q": "nope@"}).content.decode()
    assert "jo@fans.example" not in page and "nope@fans.example" in page
    page = viewer_client.get(_url("outbox", workspace), {"status": "bogus"}).content.decode()
    assert "jo@fans.example" in page  # an unknown filter value is ignored


def test_the_outbox_is_paginated(viewer_client, workspace, template):
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            workspace=workspace,
            template=template,
            key=f"k{n}",
            to=f"f{n}@fans.example",
            subject=f"s{n}",
            status=MessageStatus.SENT,
        )
        for n in range(PAGE_SIZE + 3)
    )
    first = viewer_client.get(_url("outbox", workspace)).content.decode()
    assert f"Page 1 of 2 · {PAGE_SIZE + 3} in all" in first
    second = viewer_client.get(_url("outbox", workspace), {"page": 2}).content.decode()
    assert second.count("@fans.example</td>") == 3


def test_the_outbox_shows_only_this_workspace(viewer_client, workspace, other_workspace):
    OutboundMessage.objects.create(
        workspace=other_workspace, key="x", to="theirs@x.example", subject="Theirs"
    )
    assert b"theirs@x.example" not in viewer_client.get(_url("outbox", workspace)).content


def test_an_editor_adds_searches_and_removes_a_suppression(editor_client, workspace):
    response = editor_client.post(
        _url("suppression_add", workspace), {"email": " Someone@Fans.Example ", "detail": "asked"}
    )
    assert response.status_code == 302
    row = Suppression.objects.get()
    assert (row.email, row.reason, row.detail) == ("someone@fans.example", "manual", "asked")
    again = editor_client.post(
        _url("suppression_add", workspace), {"email": "someone@fans.example"}
    )
    assert "already on the suppression list" in again.content.decode()
    bad = editor_client.post(_url("suppression_add", workspace), {"email": "not-an-address"})
    assert bad.status_code == 200 and Suppression.objects.count() == 1

    page = editor_client.get(_url("suppressions", workspace), {"q": "someone"}).content.decode()
    assert "someone@fans.example" in page
    page = editor_client.get(_url("suppressions", workspace), {"q": "zzz"}).content.decode()
    assert "No address matches" in page

    remove = _url("suppression_remove", workspace, pk=row.pk)
    assert "Remove from the list" in editor_client.get(remove).content.decode()
    assert Suppression.objects.exists()  # GET only asks
    assert editor_client.post(remove).status_code == 302
    assert not Suppression.objects.exists()


def test_removing_a_bounce_warns(owner_client, workspace):
    row = Suppression.objects.create(workspace=workspace, email="b@x.example", reason="bounced")
    page = owner_client.get(_url("suppression_remove", workspace, pk=row.pk)).content.decode()
    assert "hurts the delivery" in page


def test_viewers_see_the_list_but_cannot_change_it(viewer_client, workspace):
    row = Suppression.objects.create(workspace=workspace, email="b@x.example", reason="bounced")
    page = viewer_client.get(_url("suppressions", workspace)).content.decode()
    assert "b@x.example" in page and "Add an address" not in page and "Remove…" not in page
    assert (
        viewer_client.post(_url("suppression_add", workspace), {"email": "c@x.example"}).status_code
        == 403
    )
    assert viewer_client.post(_url("suppression_remove", workspace, pk=row.pk)).status_code == 403
    assert list(Suppression.objects.values_list("email", flat=True)) == ["b@x.example"]


def test_a_suppression_of_another_workspace_is_404(owner_client, workspace, other_workspace):
    theirs = Suppression.objects.create(
        workspace=other_workspace, email="t@x.example", reason="manual"
    )
    url = _url("suppression_remove", workspace, pk=theirs.pk)
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url).status_code == 404
    assert Suppression.objects.filter(pk=theirs.pk).exists()


def test_the_suppression_list_is_paginated(viewer_client, workspace):
    Suppression.objects.bulk_create(
        Suppression(
            workspace=workspace,
            email=f"s{n}@x.example",
            email_hash=address_hash(f"s{n}@x.example"),
            reason="manual",
        )
        for n in range(PAGE_SIZE + 1)
    )
    page = viewer_client.get(_url("suppressions", workspace)).content.decode()
    assert f"Page 1 of 2 · {PAGE_SIZE + 1} in all" in page


# --- the demo mailbox ---------------------------------------------------------------------


def test_the_mailbox_is_404_without_a_sink(settings, viewer_client, workspace):
    settings.SMTP_SINK_DIR = ""
    assert viewer_client.get(_url("sink_list", workspace)).status_code == 404
    assert viewer_client.get(_url("sink_message", workspace, name="1-1")).status_code == 404
    assert b"Demo mailbox" not in viewer_client.get(_url("outbox", workspace)).content


def test_the_mailbox_shows_what_the_sink_received(
    smtp_sink, viewer_client, workspace, template, fan, release, other_workspace
):
    send_email(fan=fan, template=template, key="k", release=release)
    theirs = subscribed_fan(other_workspace, "theirs@fans.example")
    from fanloop.messaging.models import EmailTemplate

    their_template = EmailTemplate.objects.create(
        workspace=other_workspace, name="t", subject="Their secret", text_body="hello"
    )
    send_email(fan=theirs, template=their_template, key="t")
    assert len(smtp_sink.messages()) == 2

    page = viewer_client.get(_url("sink_list", workspace)).content.decode()
    assert "First Light is out" in page and "Their secret" not in page
    assert "Demo mailbox" in viewer_client.get(_url("outbox", workspace)).content.decode()
    names = sorted(p.stem for p in smtp_sink.folder.glob("*.eml"))
    mine = [n for n in names if f"/email/sink/{n}/" in page]
    assert len(mine) == 1
    detail = viewer_client.get(_url("sink_message", workspace, name=mine[0])).content.decode()
    assert "List-Unsubscribe-Post" in detail and "List-Unsubscribe=One-Click" in detail
    assert 'sandbox=""' in detail and "First Light by The Lanterns is out now." in detail
    [theirs_name] = [n for n in names if n != mine[0]]
    assert viewer_client.get(_url("sink_message", workspace, name=theirs_name)).status_code == 404
    assert viewer_client.get(_url("sink_message", workspace, name="..")).status_code == 404
