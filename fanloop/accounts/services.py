"""Writes for accounts: every view, command and test goes through these."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from fanloop.accounts.models import Membership, Role, User, Workspace


def unique_workspace_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_workspace(name: str, owner: User) -> Workspace:
    workspace = Workspace.objects.create(name=name, slug=unique_workspace_slug(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def add_member(workspace: Workspace, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return membership
