"""Reading what the demo's SMTP sink received (``SMTP_SINK_DIR``, one ``.eml`` per message).

The sink is shared by the whole install, so a workspace sees exactly the messages sent on
its behalf: those whose Message-ID is one of its outbox rows' or of its ``MailboxEntry``
rows (confirmation, portal and in-app link emails to its fans). Both are made by fanloop
and unguessable, so no header written by anyone else matches, and account emails
(sign-up, password reset, invitations) match no workspace: the recipient is never enough.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from django.conf import settings

from fanloop.accounts.models import Workspace
from fanloop.lib.mail import WorkspaceMail
from fanloop.messaging.models import MailboxEntry, OutboundMessage

# The newest files looked at: the sink is a demo tool, not an archive.
SCAN_LIMIT = 2000
SHOWN_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass(frozen=True)
class SinkEntry:
    name: str
    subject: str
    to: str
    date: str
    message_id: str


@dataclass(frozen=True)
class SinkMessage:
    name: str
    headers: list[tuple[str, str]]
    text: str
    html: str


def sink_dir() -> Path | None:
    value = settings.SMTP_SINK_DIR
    return Path(value) if value else None


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)
    return files[:SCAN_LIMIT]


def record_workspace_mail(mail: WorkspaceMail) -> None:
    """Remember an email sent on a workspace's behalf outside the outbox, for its demo
    mailbox, when the sink is on (registered in ``lib.mail.workspace_mail``)."""
    if sink_dir() is not None:
        MailboxEntry.objects.create(
            workspace_id=mail.workspace_id, message_id=mail.message_id, kind=mail.kind
        )


def _visible_ids(workspace: Workspace, message_ids: set[str]) -> set[str]:
    """Of these Message-IDs, those of the workspace's own messages (2 queries a batch)."""
    found: set[str] = set()
    wanted = sorted(message_ids - {""})
    for first in range(0, len(wanted), 500):
        batch = wanted[first : first + 500]
        found.update(
            OutboundMessage.objects.filter(workspace=workspace, message_id__in=batch).values_list(
                "message_id", flat=True
            )
        )
        found.update(
            MailboxEntry.objects.filter(workspace=workspace, message_id__in=batch).values_list(
                "message_id", flat=True
            )
        )
    return found


def entries(workspace: Workspace) -> list[SinkEntry]:
    """The messages this workspace may see, newest first."""
    folder = sink_dir()
    if folder is None:
        return []
    parser = BytesHeaderParser(policy=email.policy.default)
    scanned: list[SinkEntry] = []
    for path in _files(folder):
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle)
        except OSError:
            continue
        to = str(headers.get("To", ""))
        entry = SinkEntry(path.stem, str(headers.get("Subject", "")), to,
                          str(headers.get("Date", "")),
                          str(headers.get("Message-ID", "")).strip())  # fmt: skip
        scanned.append(entry)
    ids = _visible_ids(workspace, {entry.message_id for entry in scanned})
    return [entry for entry in scanned if entry.message_id in ids]


def read(workspace: Workspace, name: str) -> SinkMessage | None:
    """One message by file name, if this workspace may see it."""
    folder = sink_dir()
    if folder is None or not name.replace("-", "").isdigit():
        return None
    path = folder / f"{name}.eml"
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id or not _visible_ids(workspace, {message_id}):
        return None
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return SinkMessage(
        name=name,
        headers=[(h, str(message[h])) for h in SHOWN_HEADERS if message[h] is not None],
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else "",
    )
