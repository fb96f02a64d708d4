"""Any member can leave a workspace, except its last owner."""

from __future__ import annotations

from django.urls import reverse

from fanloop.accounts.models import Membership, Workspace


def _url(workspace: Workspace) -> str:
    return reverse("accounts:leave", kwargs={"ws": workspace.slug})


def test_it_asks_for_confirmation_first(viewer_client, workspace, viewer):
    response = viewer_client.get(_url(workspace))
    assert response.status_code == 200
    assert "Leave Alice Band?" in response.content.decode()
    assert Membership.objects.filter(user=viewer, workspace=workspace).exists()


def test_it_lets_a_member_leave(viewer_client, workspace, viewer):
    response = viewer_client.post(_url(workspace), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:workspaces")
    assert "You left Alice Band" in response.content.decode()
    assert not Membership.objects.filter(user=viewer, workspace=workspace).exists()


def test_it_keeps_the_last_owner(owner_client, workspace, owner):
    response = owner_client.post(_url(workspace), follow=True)
    assert "You are the last owner of Alice Band" in response.content.decode()
    assert Membership.objects.filter(user=owner, workspace=workspace).exists()
