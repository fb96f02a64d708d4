"""Segment pages: outsiders 404 (GET and POST, nothing changes), anonymous visitors log in,
viewers read and export but change nothing, editors create, edit and delete; the form
previews before saving; exports are formula-safe with consent columns."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.fans.consent_log import record_consent
from fanloop.fans.models import Fan
from fanloop.flows import segments
from fanloop.flows.models import Segment

from .test_views_outsiders import SEGMENT_PAGES

pytestmark = pytest.mark.django_db

# name → a write that editors and owners may do
PAGES: dict[str, bool] = {
    "segment_list": False,
    "segment_create": True,
    "segment_detail": False,
    "segment_edit": True,
    "segment_delete": True,
    "segment_csv": False,
    "segment_json": False,
}
NEEDS_SEGMENT = {"segment_detail", "segment_edit", "segment_delete", "segment_csv", "segment_json"}


@pytest.fixture
def segment(workspace: Workspace) -> Segment:
    Fan.objects.create(workspace=workspace, email="secret-fan@example.org", country="GB")
    return segments.create_segment(workspace, name="Secret UK", rules={"countries": ["GB"]})


def url(name: str, segment: Segment) -> str:
    kwargs: dict[str, Any] = {"ws": segment.workspace.slug}
    if name in NEEDS_SEGMENT:
        kwargs["pk"] = segment.pk
    return reverse(f"flows:{name}", kwargs=kwargs)


def test_every_segment_page_is_listed() -> None:
    assert set(PAGES) == SEGMENT_PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_404_for_outsiders(
    outsider_client: Client, segment: Segment, name: str, method: str
) -> None:
    data = {"name": "Hijacked", "countries": "FR", "op": "save"}
    response = getattr(outsider_client, method)(url(name, segment), data)
    assert response.status_code == 404
    assert b"Secret UK" not in response.content and b"secret-fan" not in response.content
    assert list(Segment.objects.values_list("name", "rules")) == [("Secret UK", segment.rules)]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_sends_anonymous_visitors_to_log_in(segment: Segment, name: str) -> None:
    response = Client().get(url(name, segment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(n for n, write in PAGES.items() if write))
def test_viewers_cannot_change_segments(viewer_client: Client, segment: Segment, name: str) -> None:
    response = viewer_client.post(url(name, segment), {"name": "Changed", "op": "save"})
    assert response.status_code == 403
    assert list(Segment.objects.values_list("name", flat=True)) == ["Secret UK"]


def test_viewers_read_without_edit_buttons(viewer_client: Client, segment: Segment) -> None:
    for name in ("segment_list", "segment_detail"):
        response = viewer_client.get(url(name, segment))
        assert response.status_code == 200
        assert b"/edit/" not in response.content and b"New segment" not in response.content
    assert b"secret-fan@example.org" in viewer_client.get(url("segment_detail", segment)).content


def test_another_workspaces_segment_is_404(owner_client: Client, workspace: Workspace) -> None:
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = segments.create_segment(other, name="Theirs", rules={})
    for name in sorted(NEEDS_SEGMENT):
        address = reverse(f"flows:{name}", kwargs={"ws": workspace.slug, "pk": theirs.pk})
        if PAGES[name]:
            assert owner_client.post(address, {"name": "Mine", "op": "save"}).status_code == 404
        else:
            assert owner_client.get(address).status_code == 404
    assert Segment.objects.get(pk=theirs.pk).name == "Theirs"


def test_writes_need_post_and_csrf(editor: Any, segment: Segment) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(url("segment_delete", segment)).status_code == 405
    assert client.post(url("segment_delete", segment)).status_code == 403
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_preview_then_save_then_edit_then_delete(
    editor_client: Client, workspace: Workspace
) -> None:
    Fan.objects.create(workspace=workspace, email="gb@example.org", country="GB")
    Fan.objects.create(workspace=workspace, email="fr@example.org", country="FR")
    create = reverse("flows:segment_create", kwargs={"ws": workspace.slug})
    form = {"name": "UK fans", "countries": "gb", "op": "preview"}
    preview = editor_client.post(create, form)
    assert preview.status_code == 200
    assert preview.context["preview"]["count"] == 1
    assert b"gb@example.org" in preview.content and b"fr@example.org" not in preview.content
    assert not Segment.objects.exists()

    saved = editor_client.post(create, {**form, "op": "save", "action1_kind": "saved"})
    segment = Segment.objects.get()
    assert saved.status_code == 302
    assert segment.rules["countries"] == ["GB"]
    assert segment.rules["actions"][0]["kind"] == "saved"

    edit = url("segment_edit", segment)
    page = editor_client.get(edit)
    assert page.context["form"].initial["countries"] == "GB"
    editor_client.post(edit, {"name": "Both", "countries": "GB, FR", "op": "save"})
    segment.refresh_from_db()
    assert (segment.name, segment.rules["countries"], segment.rules["actions"]) == (
        "Both",
        ["GB", "FR"],
        [],
    )
    detail = editor_client.get(url("segment_detail", segment))
    assert detail.context["count"] == 2

    assert editor_client.post(url("segment_delete", segment)).status_code == 302
    assert not Segment.objects.exists()


def test_bad_values_come_back_with_errors(editor_client: Client, workspace: Workspace) -> None:
    create = reverse("flows:segment_create", kwargs={"ws": workspace.slug})
    for field, value in (("countries", "GBR"), ("score_top", "0"), ("action1_since", "soon")):
        response = editor_client.post(create, {"name": "Bad", field: value, "op": "save"})
        assert response.status_code == 400
        assert field in response.context["form"].errors
    response = editor_client.post(
        create,
        {"name": "Bad", "action1_kind": "saved", "action1_release": "1", "op": "save"},
    )
    assert response.status_code == 400  # no such release in this workspace's choices
    assert not Segment.objects.exists()


def test_exports_are_formula_safe_with_consent_columns(
    viewer_client: Client, workspace: Workspace
) -> None:
    fan = Fan.objects.create(
        workspace=workspace, email="x@example.org", display_name="=HYPERLINK()"
    )
    record_consent(fan, "email", True, page="/p", confirmed=True)
    segment = segments.create_segment(workspace, name="All", rules={"consents": ["email"]})

    response: Any = viewer_client.get(url("segment_csv", segment))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["email"], r["name"], r["consent_email"]) for r in rows] == [
        ("x@example.org", "'=HYPERLINK()", "active")
    ]

    response = viewer_client.get(url("segment_json", segment))
    data = json.loads(b"".join(response.streaming_content))
    assert [(r["email"], r["consent_email"], r["consent_follow"]) for r in data] == [
        ("x@example.org", "active", "")
    ]
