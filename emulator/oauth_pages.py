"""What the Spotify, Deezer and Apple authorization pages share (``AuthorizePages``): the
login step, the signed-in check and the consent page.

An emulated user picks their account by email (password: anything, or the configured one);
a session cookie scoped to the platform's path then carries them to the consent page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .actions import login_session, session_user
from .errors import accounts_error
from .http import HttpError, Request, Response, Router, html_response, redirect, set_cookie
from .ids import token as new_token
from .pages import consent_page, error_page, login_page
from .state import App, AuthCode, State, User

CODE_TTL_S = 600  # an authorization code is good for ten minutes
COOKIE = {
    "spotify": "emu_spotify",
    "deezer": "emu_deezer",
    "apple": "emu_apple",
    "tidal": "emu_tidal",
}
COOKIE_PATH = {
    "spotify": "/spotify/accounts",
    "deezer": "/deezer/oauth",
    "apple": "/apple",
    "tidal": "/tidal/login",
}


def current_user(state: State, req: Request, platform: str) -> User | None:
    return session_user(state, platform, req.cookies.get(COOKIE[platform]))


def continue_query(req: Request) -> dict[str, str]:
    """The original authorize query, carried through the forms in a hidden field."""
    return dict(parse_qsl(req.form().get("continue", ""), keep_blank_values=True))


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


class AuthorizePages:
    """A platform's authorization pages: ``authorize_path`` (GET shows the consent page,
    POST takes the answer) behind the login form at ``login_path``."""

    platform = ""
    authorize_path = ""
    token_route: tuple[str, str] | None = None  # (method, path) of the token endpoint, if any
    # The authorize query's app parameter, and the page an unknown app gets (title, text).
    client_param = "client_id"
    unknown_app: tuple[str, str] = ("Error", "Unknown app")

    @property
    def login_path(self) -> str:
        """The login form, beside the session cookie's path (the cookie reaches the pages)."""
        return f"{COOKIE_PATH[self.platform]}/login"

    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self, router: Router) -> None:
        router.add("GET", self.authorize_path, self.authorize, self.platform)
        router.add("POST", self.authorize_path, self.consent, self.platform)
        router.add("POST", self.login_path, self.login, self.platform)
        if self.token_route is not None:
            method, path = self.token_route
            router.add(method, path, self.token, self.platform)

    async def authorize(self, req: Request) -> Response:
        raise NotImplementedError

    async def consent(self, req: Request) -> Response:
        raise NotImplementedError

    async def token(self, req: Request) -> Response:
        raise NotImplementedError

    async def login(self, req: Request) -> Response:
        return await handle_login(self.state, req, self.platform, self.authorize_path)

    def known_app(self, client_id: str, title: str, error: str) -> App:
        """The platform's app ``client_id``; else ``HttpError`` with an error page."""
        app = self.state.app(self.platform, client_id)
        if app is None:
            raise HttpError(html_response(*error_page(title, error)))
        return app

    def _validate(self, q: dict[str, str]) -> tuple[App, str, frozenset[str]]:
        """(app, redirect URI, permissions) of an authorize query, checked by the
        platform's rules (``check``); else ``HttpError`` with what the platform answers."""
        app = self.known_app(q.get(self.client_param, ""), *self.unknown_app)
        return self.check(app, q.get("redirect_uri", ""), q)

    def check(
        self, app: App, redirect_uri: str, q: dict[str, str]
    ) -> tuple[App, str, frozenset[str]]:
        raise NotImplementedError

    def signed_in(self, req: Request, query: bytes | str) -> User:
        """The user signed in to the platform's pages; else ``HttpError`` with the login
        form, carrying the authorize ``query`` on."""
        user = current_user(self.state, req, self.platform)
        if user is None:
            raise HttpError(show_login(self.platform, self.login_path, query))
        return user

    def show_consent(self, req: Request, app_name: str, user: User, scopes: list[str]) -> Response:
        """The consent page asking ``user`` to let ``app_name`` in, carrying the authorize
        query (``req``'s) on."""
        fields = {"continue": req.query_string.decode("latin-1")}
        page = consent_page(
            self.platform, self.authorize_path, fields, app_name, user.name, user.email, scopes
        )
        return html_response(page)

    def issue_code(
        self,
        prefix: str,
        size: int,
        app: App,
        user: User,
        redirect_uri: str,
        scopes: frozenset[str],
        code_challenge: str | None = None,
    ) -> str:
        """A new single-use authorization code for ``user`` at ``app``, kept until exchanged."""
        code = AuthCode(
            code=new_token(prefix, size),
            platform=self.platform,
            client_id=app.client_id,
            user_id=user.id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            expires_at=self.state.clock.now() + CODE_TTL_S,
            code_challenge=code_challenge,
        )
        self.state.codes[code.code] = code
        return code.code

    def exchanged_code(self, app: App, form: dict[str, str]) -> AuthCode:
        """The authorization code a token request (``form``) exchanges: this platform's, for
        ``app``, unexpired and for the same redirect URI; else ``HttpError`` with the OAuth
        ``invalid_grant`` answer. An expired code is forgotten."""
        state = self.state
        code = state.codes.get(form.get("code", ""))
        if code is None or code.platform != self.platform or code.client_id != app.client_id:
            raise HttpError(accounts_error("invalid_grant", "Invalid authorization code"))
        if state.clock.now() >= code.expires_at:
            del state.codes[code.code]
            raise HttpError(accounts_error("invalid_grant", "Authorization code expired"))
        if form.get("redirect_uri") != code.redirect_uri:
            raise HttpError(accounts_error("invalid_grant", "Invalid redirect URI"))
        return code
