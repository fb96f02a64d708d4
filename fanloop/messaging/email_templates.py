"""Email templates: saving (validated by a render) and deleting one no flow uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError

from fanloop.messaging import rendering
from fanloop.messaging.models import (
    EmailTemplate,
)

__all__ = [
    "delete_template",
    "save_template",
    "templates_in_use",
]


def save_template(template: EmailTemplate) -> EmailTemplate:
    """Validate (the syntax, and a render with a sample fan) and save."""
    rendering.check_template(template)
    if template.artist is not None and template.artist.workspace_id != template.workspace_id:
        raise ValidationError("The artist belongs to another workspace.")
    template.save()
    return template


# Who may use a template is known to higher apps (flows: the steps of its versions):
# they register a reader here when the app loads, so messaging imports none of them.
TemplateUsers = Callable[[EmailTemplate], Iterable[str]]
_users: dict[str, TemplateUsers] = {}


def register_template_users(name: str, users: TemplateUsers) -> None:
    """``users(template)`` names what uses ``template`` (a flow's name); under ``name``,
    so registering again (a reloaded app) replaces the reader rather than adding one."""
    _users[name] = users


def templates_in_use(template: EmailTemplate) -> list[str]:
    """Names of what uses ``template`` (the flows, not stopped, whose versions send it)."""
    return sorted({name for users in _users.values() for name in users(template)})


def delete_template(template: EmailTemplate) -> None:
    """Delete a template no flow uses; ValidationError naming the flows otherwise."""
    users = templates_in_use(template)
    if users:
        raise ValidationError(
            "This email is used by "
            + ", ".join(f"“{name}”" for name in users)
            + ": remove it from those flows (or stop them) first."
        )
    template.delete()
