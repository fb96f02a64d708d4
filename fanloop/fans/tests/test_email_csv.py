"""The CSV of email subscribers: only fans whose current email consent is granted and
confirmed (a later withdrawal excludes them), streamed, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.services import create_artist
from fanloop.fans.consent_log import record_consent, revoke_consent
from fanloop.fans.models import Fan
from fanloop.fans.optin import subscribe_email

from .conftest import connect


def _rows(client: Client, workspace: Workspace, **params: Any) -> list[dict[str, str]]:
    response: Any = client.get(
        reverse("fans:export_email_csv", kwargs={"ws": workspace.slug}), params
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="fans-email-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_only_confirmed_current_email_consents(
    owner_client, workspace, spotify_app, artist
):
    confirmed, _ = connect(spotify_app, "a", email="confirmed@example.org")
    record_consent(confirmed, "email", True, page="/p", artist=artist, confirmed=True)
    pending, _ = connect(spotify_app, "b", email="pending@example.org")
    record_consent(pending, "email", True, page="/p", artist=artist)
    withdrawn, _ = connect(spotify_app, "c", email="withdrawn@example.org")
    record_consent(withdrawn, "email", True, page="/p", artist=artist, confirmed=True)
    revoke_consent(withdrawn, "email", "/me/")
    follower, _ = connect(spotify_app, "d", email="follower@example.org")
    record_consent(follower, "follow", True, page="/p", artist=artist)
    rows = _rows(owner_client, workspace)
    assert [r["email"] for r in rows] == ["confirmed@example.org"]
    row = rows[0]
    assert row["consented_for"] == "The Lanterns"
    assert row["wording_version"] == "email-1"
    assert row["platforms"] == "spotify" and row["confirmed_at"]


def test_it_exports_again_after_a_new_consent(owner_client, workspace, spotify_app):
    fan, _ = connect(spotify_app, "a", email="back@example.org")
    record_consent(fan, "email", True, page="/p", confirmed=True)
    revoke_consent(fan, "email", "/me/")
    record_consent(fan, "email", True, page="/p", confirmed=True)
    assert [r["email"] for r in _rows(owner_client, workspace)] == ["back@example.org"]


def test_it_filters_by_artist(owner_client, workspace, spotify_app, artist):
    other = create_artist(workspace, name="Side Project")
    a, _ = connect(spotify_app, "a", email="lanterns@example.org")
    record_consent(a, "email", True, page="/p", artist=artist, confirmed=True)
    b, _ = connect(spotify_app, "b", email="side@example.org")
    record_consent(b, "email", True, page="/p", artist=other, confirmed=True)
    rows = _rows(owner_client, workspace, artist=other.pk)
    assert [r["email"] for r in rows] == ["side@example.org"]


def test_it_defuses_spreadsheet_formulas(owner_client, workspace, settings, release):
    settings.EMAIL_DOUBLE_OPT_IN = False
    for n, name in enumerate(['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx"]):
        fan = subscribe_email(
            workspace, f"f{n}@example.org", release=release, artist=None, page="/p"
        )
        Fan.objects.filter(pk=fan.pk).update(display_name=name)
    names = [r["name"] for r in _rows(owner_client, workspace)]
    assert names == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "'\tx"]


def test_it_exports_only_this_workspace(owner_client, workspace, other_workspace, settings):
    settings.EMAIL_DOUBLE_OPT_IN = False
    subscribe_email(other_workspace, "theirs@example.org", release=None, artist=None, page="/p")
    subscribe_email(workspace, "ours@example.org", release=None, artist=None, page="/p")
    assert [r["email"] for r in _rows(owner_client, workspace)] == ["ours@example.org"]


def test_it_streams_large_exports_in_chunks(owner_client, workspace, monkeypatch, settings):
    from fanloop.fans import queries

    monkeypatch.setattr(queries, "EXPORT_CHUNK", 3)
    settings.EMAIL_DOUBLE_OPT_IN = False
    for n in range(8):
        subscribe_email(workspace, f"f{n}@example.org", release=None, artist=None, page="/p")
    rows = _rows(owner_client, workspace)
    assert [r["email"] for r in rows] == [f"f{n}@example.org" for n in range(8)]
