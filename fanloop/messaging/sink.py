"""Reading what the demo's SMTP sink received (``SMTP_SINK_DIR``, one ``.eml`` per message).

A workspace sees a message only when it is one of its outbox rows (by Message-ID) or went
to one of its fans or members: the sink is shared by the whole install.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

from django.conf import settings

from fanloop.accounts.models import Workspace
from fanloop.fans.models import Fan
from fanloop.messaging.models import OutboundMessage

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


def _recipients(value: str) -> set[str]:
    return {address.lower() for _, address in getaddresses([value]) if address}


def _visible_keys(
    workspace: Workspace, message_ids: set[str], recipients: set[str]
) -> tuple[set[str], set[str]]:
    """Of these Message-IDs and addresses, those belonging to the workspace (3 queries)."""
    ids = set(
        OutboundMessage.objects.filter(workspace=workspace, message_id__in=message_ids)
        .values_list("message_id", flat=True)
    ) if message_ids else set()  # fmt: skip
    addresses = set(
        Fan.objects.filter(workspace=workspace, email__in=recipients).values_list(
            "email", flat=True
        )
    )
    addresses |= {
        email.lower()
        for email in workspace.memberships.filter(user__email__in=recipients).values_list(
            "user__email", flat=True
        )
    }
    return ids, addresses


def _visible(workspace: Workspace, message_id: str, recipients: set[str]) -> bool:
    ids, addresses = _visible_keys(workspace, {message_id} - {""}, recipients)
    return bool(ids or addresses)


def entries(workspace: Workspace) -> list[SinkEntry]:
    """The messages this workspace may see, newest first."""
    folder = sink_dir()
    if folder is None:
        return []
    parser = BytesHeaderParser(policy=email.policy.default)
    scanned: list[tuple[SinkEntry, set[str]]] = []
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
        scanned.append((entry, _recipients(to)))
    ids, addresses = _visible_keys(
        workspace,
        {e.message_id for e, _ in scanned if e.message_id},
        set().union(*(r for _, r in scanned)) if scanned else set(),
    )
    return [e for e, rcpt in scanned if e.message_id in ids or rcpt & addresses]


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
    if not _visible(workspace, message_id, _recipients(str(message.get("To", "")))):
        return None
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return SinkMessage(
        name=name,
        headers=[(h, str(message[h])) for h in SHOWN_HEADERS if message[h] is not None],
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else "",
    )
