"""Owners remove members; the last owner cannot be removed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.accounts.models import Membership, Role, Workspace
from fanloop.accounts.services import LastOwner, change_role, remove_member


def _url(workspace: Workspace, membership: Membership) -> str:
    return f"/accounts/w/{workspace.slug}/members/{membership.pk}/remove/"


def test_it_lets_an_owner_remove_a_member(owner_client, workspace, editor):
    membership = Membership.objects.get(user=editor, workspace=workspace)
    response = owner_client.post(_url(workspace, membership), follow=True)
    assert "bob@example.org was removed" in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_removed_member_loses_access(owner_client, editor_client, workspace, editor):
    membership = Membership.objects.get(user=editor, workspace=workspace)
    owner_client.post(_url(workspace, membership))
    members_url = reverse("accounts:members", kwargs={"ws": workspace.slug})
    assert editor_client.get(members_url).status_code == 404


def test_it_refuses_to_remove_the_last_owner(owner_client, workspace, owner):
    membership = Membership.objects.get(user=owner, workspace=workspace)
    response = owner_client.post(_url(workspace, membership), follow=True)
    assert "last owner" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_owner_removing_themselves_lands_on_workspaces(owner_client, workspace, owner, editor):
    change_role(Membership.objects.get(user=editor, workspace=workspace), Role.OWNER, by=owner)
    response = owner_client.post(_url(workspace, Membership.objects.get(user=owner)))
    assert response["Location"] == reverse("accounts:workspaces")


def test_it_refuses_editors(editor_client, workspace, viewer):
    membership = Membership.objects.get(user=viewer, workspace=workspace)
    assert editor_client.post(_url(workspace, membership)).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_refuses_viewers(viewer_client, workspace, owner):
    membership = Membership.objects.get(user=owner, workspace=workspace)
    assert viewer_client.post(_url(workspace, membership)).status_code == 403


def test_the_service_keeps_the_last_owner(workspace, owner):
    with pytest.raises(LastOwner):
        remove_member(Membership.objects.get(user=owner, workspace=workspace), by=owner)
