"""The login step shared by the Spotify, Deezer and Apple authorization pages.

An emulated user picks their account by email (password: anything, or the configured one);
a session cookie scoped to the platform's path then carries them to the consent page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .actions import login_session, session_user
from .http import HttpError, Request, Response, html_response, redirect, set_cookie
from .pages import consent_page, login_page
from .state import State, User

COOKIE = {"spotify": "emu_spotify", "deezer": "emu_deezer", "apple": "emu_apple"}
COOKIE_PATH = {"spotify": "/spotify/accounts", "deezer": "/deezer/oauth", "apple": "/apple"}


def current_user(state: State, req: Request, platform: str) -> User | None:
    return session_user(state, platform, req.cookies.get(COOKIE[platform]))


def continue_query(req: Request) -> dict[str, str]:
    """The original authorize query, carried through the forms in a hidden field."""
    return dict(parse_qsl(req.form().get("continue", ""), keep_blank_values=True))


def signed_in(state: State, req: Request, platform: str, action: str, query: bytes | str) -> User:
    """The user signed in to the platform's pages; else ``HttpError`` with the login page
    (posting to ``action``, carrying the authorize ``query`` on)."""
    user = current_user(state, req, platform)
    if user is None:
        raise HttpError(show_login(platform, action, query))
    return user


def show_consent(
    platform: str, action: str, req: Request, app_name: str, user: User, scopes: list[str]
) -> Response:
    """The consent page asking ``user`` to let ``app_name`` in, carrying the authorize
    query (``req``'s) on to ``action``."""
    fields = {"continue": req.query_string.decode("latin-1")}
    return html_response(
        consent_page(platform, action, fields, app_name, user.name, user.email, scopes)
    )


def show_login(platform: str, action: str, query: bytes | str, error: str = "") -> Response:
    qs = query.decode("latin-1") if isinstance(query, bytes) else query
    return html_response(login_page(platform, action, {"continue": qs}, error))


async def handle_login(state: State, req: Request, platform: str, authorize_path: str) -> Response:
    form = req.form()
    qs = form.get("continue", "")
    email = form.get("email", "").strip().lower()
    user = state.users_by_email.get((platform, email))
    expected = user.password if user and user.password is not None else state.config.login_password
    if user is None or (expected is not None and form.get("password", "") != expected):
        return show_login(platform, req.path, qs, "Incorrect email address or password.")
    sid = login_session(state, platform, user)
    cookie = set_cookie(COOKIE[platform], sid, COOKIE_PATH[platform])
    return redirect(f"{authorize_path}?{qs}", 303, [cookie])
