"""The suppression list finds addresses by a keyed hash: when a fan erases their data, an
address that bounced or unsubscribed is still refused, but no plaintext of it remains;
the page still lists the row, finds it by the whole address and refuses to add it twice;
a row hashed under a former SECRET_KEY (SECRET_KEY_FALLBACKS) still counts, and is
re-keyed when the address is suppressed again; the migration hashes existing rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from fanloop.fans.models import Consent, Fan
from fanloop.fans.rights import delete_fan
from fanloop.messaging.addresses import address_hash
from fanloop.messaging.models import MessageStatus, Suppression
from fanloop.messaging.sending import send_email
from fanloop.messaging.suppressions import add_suppression, suppress_from_provider, unsubscribe

from .conftest import subscribed_fan

ADDRESS = "jo@fans.example"


def _url(route: str, workspace, **kwargs) -> str:
    return reverse(f"messaging:{route}", kwargs={"ws": workspace.slug, **kwargs})


def _bounce(address: str) -> None:
    suppress_from_provider(
        event_type="bounced",
        recipient=address,
        message_pk=None,
        esp_message_id="",
        description=f"550 {address} does not exist",
        event_id="e1",
    )


def _no_plaintext_anywhere(address: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM messaging_suppression")
        rows = cursor.fetchall()
    assert rows and all(address not in str(value).lower() for row in rows for value in row)


def test_a_bounced_address_stays_refused_after_the_fan_is_erased(
    smtp_sink, workspace, fan, template
):
    _bounce(fan.email)
    delete_fan(fan)
    _no_plaintext_anywhere(ADDRESS)
    again = subscribed_fan(workspace, ADDRESS)
    outcome = send_email(fan=again, template=template, key="k")
    assert outcome.status == MessageStatus.SUPPRESSED
    assert smtp_sink.messages() == []


def test_an_unsubscribed_address_stays_refused_after_the_fan_is_erased(
    smtp_sink, workspace, fan, template
):
    unsubscribe(fan)
    delete_fan(fan)
    _no_plaintext_anywhere(ADDRESS)
    # The address comes back (an import, a platform's profile) with an old consent.
    again = subscribed_fan(workspace, ADDRESS)
    past = timezone.now() - dt.timedelta(days=30)
    Consent.objects.filter(fan=again).update(created=past, confirmed_at=past)
    assert send_email(fan=again, template=template, key="k").status == MessageStatus.SUPPRESSED
    assert smtp_sink.messages() == []


def test_the_page_lists_an_erased_row_and_finds_it_by_the_whole_address(
    viewer_client, workspace, fan
):
    unsubscribe(fan)
    delete_fan(fan)
    page = viewer_client.get(_url("suppressions", workspace)).content.decode()
    assert "Erased fan: address not kept" in page and ADDRESS not in page
    found = viewer_client.get(_url("suppressions", workspace), {"q": ADDRESS}).content.decode()
    assert "Erased fan: address not kept" in found
    partial = viewer_client.get(_url("suppressions", workspace), {"q": "jo@"}).content.decode()
    assert "Erased fan: address not kept" not in partial


def test_adding_an_erased_address_by_hand_says_it_is_listed(editor_client, workspace, fan):
    unsubscribe(fan)
    delete_fan(fan)
    with pytest.raises(ValidationError, match="already on the suppression list"):
        add_suppression(workspace, ADDRESS.upper())
    response = editor_client.post(_url("suppression_add", workspace), {"email": ADDRESS})
    assert "already on the suppression list" in response.content.decode()
    editor_client.post(_url("suppression_add", workspace), {"email": "new@fans.example"})
    row = Suppression.objects.get(email="new@fans.example")
    assert row.email_hash == address_hash("new@fans.example") and row.reason == "manual"


def test_a_row_hashed_under_a_former_key_counts_and_is_rekeyed(settings, workspace, template):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SECRET_KEY_FALLBACKS = ["the-former-secret-key-" + "x" * 40]
    old = address_hash(ADDRESS, secret=settings.SECRET_KEY_FALLBACKS[0])
    Suppression.objects.create(workspace=workspace, email_hash=old, reason="bounced")
    fan = subscribed_fan(workspace, ADDRESS)
    assert send_email(fan=fan, template=template, key="k").status == MessageStatus.SUPPRESSED
    _bounce(ADDRESS)
    row = Suppression.objects.get()
    assert row.email_hash == address_hash(ADDRESS)


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_rows_and_drops_erased_addresses(workspace):
    executor = MigrationExecutor(connection)
    before = [("messaging", "0003_mailbox_entries")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldSuppression = old_apps.get_model("messaging", "Suppression")
    OldFan = old_apps.get_model("fans", "Fan")
    OldFan.objects.create(workspace_id=workspace.pk, email="alive@fans.example")
    for address, reason in [
        ("alive@fans.example", "unsubscribed"),
        ("gone@fans.example", "bounced"),
        ("typed@fans.example", "manual"),
    ]:
        OldSuppression.objects.create(
            workspace_id=workspace.pk, email=address, reason=reason, detail=f"about {address}"
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {row.email_hash: row for row in Suppression.objects.all()}
    for address in ("alive@fans.example", "gone@fans.example", "typed@fans.example"):
        assert address_hash(address) in rows
    assert rows[address_hash("alive@fans.example")].email == "alive@fans.example"
    assert rows[address_hash("typed@fans.example")].email == "typed@fans.example"
    gone = rows[address_hash("gone@fans.example")]
    assert (gone.email, gone.detail) == ("", "")
    Fan.objects.all().delete()
