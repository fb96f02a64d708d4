"""Deezer connect under /deezer/oauth: auth.php (login + consent) and access_token.php.

Permissions come as ``perms``; the code is exchanged with app_id + secret; ``offline_access``
gives a token that never expires (``expires: 0``), others live deezer_token_ttl_s.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..actions import issue_access_token, issue_grant
from ..errors import deezer_error
from ..http import (
    HttpError,
    Request,
    Response,
    add_query,
    html_response,
    json_response,
    redirect,
    text_response,
)
from ..oauth_pages import AuthorizePages, continue_query
from ..pages import error_page
from ..state import DEEZER_PERMS, App

BASE = "/deezer/oauth"


class DeezerConnect(AuthorizePages):
    platform = "deezer"
    authorize_path = f"{BASE}/auth.php"
    token_route = ("GET", f"{BASE}/access_token.php")
    client_param = "app_id"
    unknown_app = ("Deezer", "Wrong app_id")

    def check(
        self, app: App, redirect_uri: str, q: dict[str, str]
    ) -> tuple[App, str, frozenset[str]]:
        # Deezer checks the redirect against the app's registered domain: a prefix match.
        if not redirect_uri or not any(redirect_uri.startswith(u) for u in app.redirect_uris):
            raise HttpError(html_response(*error_page("Deezer", "Wrong redirect_uri")))
        perms = frozenset(p for p in q.get("perms", "basic_access").split(",") if p)
        if perms - DEEZER_PERMS:
            raise HttpError(
                html_response(
                    *error_page("Deezer", f"Wrong perms: {','.join(sorted(perms - DEEZER_PERMS))}")
                )
            )
        return app, redirect_uri, perms | {"basic_access"}

    async def authorize(self, req: Request) -> Response:
        app, _redirect_uri, perms = self._validate(req.query)
        user = self.signed_in(req, req.query_string)
        return self.show_consent(req, app.name, user, sorted(perms))

    async def consent(self, req: Request) -> Response:
        q = continue_query(req)
        app, redirect_uri, perms = self._validate(q)
        user = self.signed_in(req, req.form().get("continue", ""))
        back = {"state": q["state"]} if "state" in q else {}
        if req.form().get("action") != "accept":
            return redirect(add_query(redirect_uri, {"error_reason": "user_denied", **back}))
        code = self.issue_code("fr", 16, app, user, redirect_uri, perms)
        return redirect(add_query(redirect_uri, {"code": code, **back}))

    async def token(self, req: Request) -> Response:
        q = req.query
        as_json = q.get("output") == "json"
        state = self.state
        app = state.app("deezer", q.get("app_id", ""))
        if app is None or q.get("secret") != app.client_secret:
            return _fail(as_json, "wrong app_id or secret")
        code = state.codes.get(q.get("code", ""))
        if code is None or code.client_id != app.client_id or state.clock.now() >= code.expires_at:
            return _fail(as_json, "wrong code")
        del state.codes[code.code]
        user = state.user("deezer", code.user_id)
        if user is None:
            return _fail(as_json, "wrong code")
        grant = issue_grant(state, app, user, code.scopes)
        ttl = None if "offline_access" in code.scopes else state.config.deezer_token_ttl_s
        tok = issue_access_token(state, grant, ttl)
        payload = {"access_token": tok.token, "expires": int(ttl or 0)}
        if as_json:
            return json_response(payload)
        return text_response(urlencode(payload))


def _fail(as_json: bool, message: str) -> Response:
    if as_json:
        return deezer_error(300, message)
    return text_response(message)
