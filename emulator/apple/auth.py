"""Apple Music authorization: ES256 developer tokens, the MusicKit JS stand-in and its
authorize popup (login + consent) that posts the Music-User-Token back to the opener.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import jwt
import orjson

from ..actions import issue_access_token, issue_grant
from ..errors import apple_error
from ..http import JS_HEADERS, Request, Response, Router, html_response
from ..oauth_pages import AuthorizePages, continue_query
from ..pages import render
from ..state import App, State

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_TOKEN_AGE_S = 15_777_000  # Apple: a developer token may be valid at most 6 months
APPLE_SCOPES = ["Access Apple Music", "Add to your library", "Read your library"]


class DeveloperTokens:
    """Verifies developer tokens; a verified token is cached until its ``exp``."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.cache: dict[str, tuple[App, float]] = {}

    def verify(self, token: str) -> App | str:
        """The app the token belongs to, or the reason it is refused."""
        now = self.state.clock.now()
        hit = self.cache.get(token)
        if hit is not None:
            cached, exp = hit
            if now < exp and self.state.apple_keys.get(cached.key_id) is cached:
                return cached
            del self.cache[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return "malformed developer token"
        if header.get("alg") != "ES256":
            return "developer token must be signed with ES256"
        app = self.state.apple_keys.get(str(header.get("kid", "")))
        if app is None:
            return "unknown key id (kid)"
        try:
            claims = jwt.decode(
                token,
                app.public_key_pem,
                algorithms=["ES256"],
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["iss", "iat", "exp"],
                },
            )
        except jwt.PyJWTError as exc:
            return f"invalid developer token: {exc}"
        if claims["iss"] != app.team_id:
            return "issuer (iss) is not the key's team id"
        iat, exp = float(claims["iat"]), float(claims["exp"])
        if exp - iat > MAX_TOKEN_AGE_S:
            return "developer token lifetime exceeds 6 months"
        if now >= exp:
            return "developer token expired"
        if iat > now + 300:
            return "developer token issued in the future"
        self.cache[token] = (app, exp)
        return app


class AppleAuth(AuthorizePages):
    platform = "apple"
    authorize_path = "/apple/authorize"

    def __init__(self, state: State) -> None:
        super().__init__(state)
        self.tokens = DeveloperTokens(state)

    def routes(self, router: Router) -> None:
        router.add("GET", "/apple/musickit/v3/musickit.js", self.musickit_js, "apple")
        router.add("GET", "/apple/musickit/demo", self.demo, "apple")
        super().routes(router)

    async def musickit_js(self, req: Request) -> Response:
        return Response(200, (STATIC / "musickit.js").read_bytes(), JS_HEADERS)

    async def demo(self, req: Request) -> Response:
        return Response(
            200,
            (STATIC / "musickit-demo.html").read_bytes(),
            [(b"content-type", b"text/html; charset=utf-8")],
        )

    async def authorize(self, req: Request) -> Response:
        app = self.tokens.verify(req.query.get("developer_token", ""))
        if isinstance(app, str):
            return _done(
                "Authorization failed", app, {"error": "AUTHORIZATION_ERROR", "detail": app}
            )
        user = self.signed_in(req, req.query_string)
        name = req.query.get("app_name") or app.name
        return self.show_consent(req, name, user, APPLE_SCOPES)

    async def consent(self, req: Request) -> Response:
        q = continue_query(req)
        app = self.tokens.verify(q.get("developer_token", ""))
        if isinstance(app, str):
            return _done(
                "Authorization failed", app, {"error": "AUTHORIZATION_ERROR", "detail": app}
            )
        user = self.signed_in(req, urlencode(q))
        if req.form().get("action") != "accept":
            return _done("Not allowed", "You did not allow access.", {"error": "ACCESS_DENIED"})
        grant = issue_grant(self.state, app, user, frozenset())
        tok = issue_access_token(self.state, grant, self.state.config.apple_user_token_ttl_s)
        return _done("Allowed", "You can close this window.", {"musicUserToken": tok.token})


def _done(title: str, message: str, result: dict[str, str]) -> Response:
    payload = orjson.dumps({"type": "musickit:authorize", **result}).decode()
    # Never let data close the script element it is embedded in.
    payload = payload.replace("</", "<\\/")
    return html_response(
        render("apple_done.html", title=title, message=message, result_json_html=payload)
    )


def apple_error_for(reason: str) -> Response:
    return apple_error(401, reason, "40100")
