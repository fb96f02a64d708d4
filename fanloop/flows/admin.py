"""The admin's "add workspace" creates the workspace's default flow with it, as every
other way of creating a workspace does (``fanloop.flows.workspaces``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from fanloop.accounts.admin import WorkspaceAdmin
from fanloop.accounts.models import Workspace
from fanloop.flows.defaults import create_default_flow


class WorkspaceWithFlowAdmin(WorkspaceAdmin):
    def save_model(self, request: HttpRequest, obj: Workspace, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                create_default_flow(obj)


admin.site.unregister(Workspace)
admin.site.register(Workspace, WorkspaceWithFlowAdmin)
