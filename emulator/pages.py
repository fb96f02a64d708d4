"""Server-rendered HTML for the emulated login, consent and error pages.

Templates live in emulator/templates/ and use ``string.Template`` placeholders; values are
HTML-escaped unless their name ends in ``_html`` (already-built markup).
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    safe = {k: (str(v) if k.endswith("_html") else html.escape(str(v))) for k, v in values.items()}
    body = _template(name).substitute(safe)
    title = safe.get("title", "Emulator")
    return _template("layout.html").substitute(title=title, body_html=body)


def hidden_fields(fields: dict[str, str]) -> str:
    return "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )


def error_page(title: str, message: str, status: int = 400) -> tuple[str, int]:
    return render("error.html", title=title, message=message), status


PLATFORM_NAMES = {
    "spotify": "Spotify",
    "deezer": "Deezer",
    "apple": "Apple Music",
    "tidal": "TIDAL",
}


def _form_page(
    name: str, title: str, platform: str, action: str, fields: dict[str, str], **values: object
) -> str:
    """A page whose form posts to ``action`` with ``fields`` hidden in it."""
    return render(
        name,
        title=f"{title} — {PLATFORM_NAMES[platform]} (emulated)",
        platform_name=PLATFORM_NAMES[platform],
        action=action,
        hidden_html=hidden_fields(fields),
        **values,
    )


def login_page(platform: str, action: str, fields: dict[str, str], error: str = "") -> str:
    return _form_page(
        "login.html", "Log in", platform, action, fields,
        error=error, email=fields.get("_email", ""),
    )  # fmt: skip


def consent_page(
    platform: str,
    action: str,
    fields: dict[str, str],
    app_name: str,
    user_name: str,
    user_email: str,
    scopes: list[str],
) -> str:
    items = "\n".join(f"<li>{html.escape(s)}</li>" for s in scopes) or "<li>basic access</li>"
    return _form_page(
        "consent.html", f"Authorize {app_name}", platform, action, fields,
        app_name=app_name, user_name=user_name, user_email=user_email, scopes_html=items,
    )  # fmt: skip
