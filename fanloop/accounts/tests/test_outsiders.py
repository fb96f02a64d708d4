"""Every workspace-scoped accounts endpoint hides the workspace from outsiders (404)."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.accounts.models import Invitation, Membership, Role, Workspace


def _endpoints(
    workspace: Workspace, membership_id: int, invitation_id: int
) -> list[tuple[str, str, dict[str, str]]]:
    ws = workspace.slug
    return [
        ("get", f"/accounts/w/{ws}/settings/", {}),
        ("post", f"/accounts/w/{ws}/settings/", {"name": "Owned"}),
        ("get", f"/accounts/w/{ws}/members/", {}),
        ("post", f"/accounts/w/{ws}/members/invite/", {"email": "x@example.org", "role": "owner"}),
        ("post", f"/accounts/w/{ws}/members/{membership_id}/role/", {"role": "viewer"}),
        ("post", f"/accounts/w/{ws}/members/{membership_id}/remove/", {}),
        ("get", f"/accounts/w/{ws}/leave/", {}),
        ("post", f"/accounts/w/{ws}/leave/", {}),
        ("post", f"/accounts/w/{ws}/invitations/{invitation_id}/resend/", {}),
        ("post", f"/accounts/w/{ws}/invitations/{invitation_id}/revoke/", {}),
    ]


ENDPOINT_COUNT = 10


@pytest.fixture
def targets(workspace, owner, invite):
    invitation = invite("pending@example.org")
    membership = Membership.objects.get(workspace=workspace, user=owner)
    return _endpoints(workspace, membership.pk, invitation.pk)


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_refuses_outsiders_with_404(outsider_client, targets, workspace, index):
    method, url, data = targets[index]
    response = getattr(outsider_client, method)(url, data)
    assert response.status_code == 404
    assert Workspace.objects.get(pk=workspace.pk).name == "Alice Band"
    assert Membership.objects.filter(workspace=workspace, role=Role.OWNER).count() == 1
    assert Invitation.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_sends_anonymous_visitors_to_login(targets, index):
    method, url, data = targets[index]
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_lists_every_workspace_endpoint(targets):
    """Guard: a new workspace-scoped URL must be added to the list above."""
    from django.urls import URLResolver, get_resolver

    accounts = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "accounts"
    )
    scoped = {str(p.pattern) for p in accounts.url_patterns if str(p.pattern).startswith("w/")}
    assert len(scoped) == 8
    assert len(targets) == ENDPOINT_COUNT


def test_it_hides_another_workspaces_member_ids(owner_client, outsider, workspace):
    """An owner cannot reach a member of another workspace through their own workspace URL."""
    foreign = Membership.objects.get(user=outsider)
    url = f"/accounts/w/{workspace.slug}/members/{foreign.pk}/remove/"
    assert owner_client.post(url).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_it_hides_another_workspaces_invitations(owner_client, outsider, workspace):
    from fanloop.accounts.services import invite_member

    other = Membership.objects.get(user=outsider).workspace
    invitation = invite_member(other, "x@example.org", Role.VIEWER, outsider)
    url = f"/accounts/w/{workspace.slug}/invitations/{invitation.pk}/revoke/"
    assert owner_client.post(url).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()
