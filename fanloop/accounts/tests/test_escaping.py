"""User-supplied text (workspace names, emails) is escaped wherever it is shown."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from fanloop.accounts.services import invite_member, rename_workspace

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_it_escapes_the_workspace_name_on_every_page(owner_client, owner, workspace):
    rename_workspace(workspace, EVIL, by=owner)
    invitation = invite_member(workspace, "new@example.org", "viewer", owner)
    pages = [
        reverse("accounts:workspaces"),
        reverse("accounts:members", kwargs={"ws": workspace.slug}),
        reverse("accounts:workspace_settings", kwargs={"ws": workspace.slug}),
        reverse("accounts:leave", kwargs={"ws": workspace.slug}),
    ]
    for url in pages:
        body = owner_client.get(url).content.decode()
        assert EVIL not in body, url
        assert ESCAPED in body, url
    html = str(mail.outbox[0].alternatives[0][0])  # type: ignore[union-attr]
    assert EVIL not in html and ESCAPED in html
    # Plain-text email is not HTML: it shows the name as typed, unescaped, which is safe there.
    assert EVIL in mail.outbox[0].body
    page = owner_client.get(reverse("accounts:accept_invitation", args=[invitation.token]))
    assert EVIL not in page.content.decode()


def test_it_escapes_names_in_messages(owner_client, workspace):
    response = owner_client.post(reverse("accounts:workspaces"), {"name": EVIL}, follow=True)
    body = response.content.decode()
    assert EVIL not in body
    assert ESCAPED in body
