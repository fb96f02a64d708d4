"""Every flow page of a workspace: 404 for members of other workspaces (GET and POST,
nothing changes), login for anonymous visitors, read-only for viewers. A guard fails when
a new dashboard URL is missing from the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from fanloop.accounts.models import Workspace
from fanloop.flows import services, urls
from fanloop.flows.models import Flow, FlowStatus

pytestmark = pytest.mark.django_db

# name → (needs a flow, needs a version number, a write that editors+ may do)
PAGES: dict[str, tuple[bool, bool, bool]] = {
    "flow_list": (False, False, False),
    "flow_create": (False, False, True),
    "flow_detail": (True, False, False),
    "flow_edit": (True, False, True),
    "version_detail": (True, True, False),
    "flow_status": (True, False, True),
    "flow_dry_run": (True, False, True),
    "score": (False, False, False),
}
# Served beside the fans' downloads (/w/<ws>/fans/checks.csv) and checked with the fans
# pages in fans/tests/test_outsiders.py.
WITH_THE_FANS_PAGES = {"checks_csv"}
# The segment pages, checked in test_segment_views.py (their own guard lists them).
SEGMENT_PAGES = {
    "segment_list",
    "segment_create",
    "segment_detail",
    "segment_edit",
    "segment_delete",
    "segment_csv",
    "segment_json",
}
# The broadcast pages, checked in test_broadcast_views.py (their own guard lists them).
BROADCAST_PAGES = {
    "broadcast_list",
    "broadcast_create",
    "broadcast_detail",
    "broadcast_schedule",
    "broadcast_cancel",
    "broadcast_test",
}


@pytest.fixture
def flow(workspace: Workspace) -> Flow:
    return services.create_flow(
        workspace, name="Mine", trigger="presaved", steps=[{"type": "tag", "tag": "secret-tag"}]
    )


def page_url(name: str, flow: Flow) -> str:
    needs_flow, needs_version, _ = PAGES[name]
    kwargs: dict[str, Any] = {"ws": flow.workspace.slug}
    if needs_flow:
        kwargs["pk"] = flow.pk
    if needs_version:
        kwargs["number"] = 1
    return reverse(f"flows:{name}", kwargs=kwargs)


def test_every_dashboard_url_is_listed() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    # the one-click action pages are campaigns'
    assert names == set(PAGES) | WITH_THE_FANS_PAGES | SEGMENT_PAGES | BROADCAST_PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_404_for_outsiders(
    outsider_client: Client, flow: Flow, name: str, method: str
) -> None:
    data = {"action": "stop", "dry_run": "on", "name": "Hijacked"}
    response = getattr(outsider_client, method)(page_url(name, flow), data)
    assert response.status_code == 404
    assert b"secret-tag" not in response.content and b"Mine" not in response.content
    flow.refresh_from_db()
    assert (flow.name, flow.status, flow.dry_run) == ("Mine", FlowStatus.DRAFT, False)
    assert not Flow.objects.filter(name="Hijacked").exists()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_sends_anonymous_visitors_to_log_in(flow: Flow, name: str) -> None:
    response = Client().get(page_url(name, flow))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(n for n, (_, _, write) in PAGES.items() if write))
def test_viewers_cannot_change_flows(viewer_client: Client, flow: Flow, name: str) -> None:
    response = viewer_client.post(page_url(name, flow), {"action": "activate", "dry_run": "on"})
    assert response.status_code == 403
    flow.refresh_from_db()
    assert (flow.status, flow.dry_run) == (FlowStatus.DRAFT, False)


@pytest.mark.parametrize("name", sorted(n for n, (_, _, write) in PAGES.items() if not write))
def test_viewers_read_flows_without_edit_buttons(
    viewer_client: Client, flow: Flow, name: str
) -> None:
    response = viewer_client.get(page_url(name, flow))
    assert response.status_code == 200
    assert b"/edit/" not in response.content and b"New flow" not in response.content


def test_a_flow_of_another_workspace_is_404(owner_client: Client, workspace: Workspace) -> None:
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = services.create_flow(
        other, name="Theirs", trigger="presaved", steps=[{"type": "tag", "tag": "x"}]
    )
    for name in ("flow_detail", "flow_edit", "version_detail"):
        kwargs: dict[str, Any] = {"ws": workspace.slug, "pk": theirs.pk}
        if name == "version_detail":
            kwargs["number"] = 1
        assert owner_client.get(reverse(f"flows:{name}", kwargs=kwargs)).status_code == 404
    status = reverse("flows:flow_status", kwargs={"ws": workspace.slug, "pk": theirs.pk})
    assert owner_client.post(status, {"action": "activate"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == FlowStatus.DRAFT


def test_writes_need_post_and_csrf(editor: Any, flow: Flow) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    url = page_url("flow_status", flow)
    assert client.get(url).status_code == 405
    assert client.post(url, {"action": "activate"}).status_code == 403
    flow.refresh_from_db()
    assert flow.status == FlowStatus.DRAFT
