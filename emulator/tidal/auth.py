"""TIDAL authorization under /tidal: ``login.tidal.com/authorize`` (login + consent) at
/tidal/login/authorize and ``auth.tidal.com/v1/oauth2/token`` at /tidal/auth/v1/oauth2/token.

OAuth 2.1 authorization code: PKCE (S256) is required on every authorization, the redirect URI
must equal a registered one, the code is exchanged with ``client_id`` + ``code_verifier`` (no
secret needed) and the refresh token gives new access tokens (the description's
``Authorization_Code_PKCE`` scheme; README: TIDAL).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..actions import grant_is_revoked, issue_access_token, issue_grant
from ..errors import accounts_error
from ..http import HttpError, Request, Response, add_query, html_response, json_response, redirect
from ..ids import token as new_token
from ..oauth_pages import AuthorizePages, continue_query
from ..pages import error_page
from ..spotify.accounts import s256
from ..state import TIDAL_SCOPES, App, Grant, State, User

LOGIN = "/tidal/login"
TOKEN_PATH = "/tidal/auth/v1/oauth2/token"


def _basic(req: Request) -> tuple[str, str | None]:
    """(client id, secret) from an HTTP Basic header; ("", None) without one."""
    auth = req.header(b"authorization")
    if not auth or auth[:6] != b"Basic ":
        return "", None
    try:
        decoded = base64.b64decode(auth[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise HttpError(accounts_error("invalid_client", "Invalid client", 401)) from None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


class TidalAuth(AuthorizePages):
    platform = "tidal"
    authorize_path = f"{LOGIN}/authorize"
    token_route = ("POST", TOKEN_PATH)

    def _validate(self, q: dict[str, str]) -> tuple[App, str, frozenset[str]]:
        """Client and redirect URI errors are shown on the page; the rest go back to the app."""
        app = self.known_app(q.get("client_id", ""), "TIDAL", "Invalid client")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            raise HttpError(html_response(*error_page("TIDAL", "Invalid redirect URI")))
        back = {"state": q["state"]} if "state" in q else {}

        def refuse(error: str, description: str) -> HttpError:
            params = {"error": error, "error_description": description, **back}
            return HttpError(redirect(add_query(redirect_uri, params)))

        if q.get("response_type") != "code":
            raise refuse("unsupported_response_type", "response_type must be code")
        scopes = frozenset(q.get("scope", "").split())
        if scopes - TIDAL_SCOPES:
            raise refuse(
                "invalid_scope", f"unknown scope: {' '.join(sorted(scopes - TIDAL_SCOPES))}"
            )
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            raise refuse("invalid_request", "PKCE is required: code_challenge with method S256")
        return app, redirect_uri, scopes

    async def authorize(self, req: Request) -> Response:
        app, _redirect_uri, scopes = self._validate(req.query)
        user = self.signed_in(req, req.query_string)
        return self.show_consent(req, app.name, user, sorted(scopes))

    async def consent(self, req: Request) -> Response:
        q = continue_query(req)
        app, redirect_uri, scopes = self._validate(q)
        user = self.signed_in(req, req.form().get("continue", ""))
        back = {"state": q["state"]} if "state" in q else {}
        if req.form().get("action") != "accept":
            return redirect(add_query(redirect_uri, {"error": "access_denied", **back}))
        code = self.issue_code(
            "tc", 32, app, user, redirect_uri, scopes, code_challenge=q["code_challenge"]
        )
        return redirect(add_query(redirect_uri, {"code": code, **back}))

    # -- token endpoint -------------------------------------------------------------------
    def _client(self, req: Request, form: dict[str, str]) -> App:
        basic_id, basic_secret = _basic(req)
        app = self.state.app("tidal", basic_id or form.get("client_id", ""))
        if app is None:
            raise HttpError(accounts_error("invalid_client", "Invalid client", 401))
        secret = basic_secret if basic_id else form.get("client_secret")
        if secret is not None and secret != app.client_secret:
            raise HttpError(accounts_error("invalid_client", "Invalid client", 401))
        return app

    async def token(self, req: Request) -> Response:
        form = req.form()
        grant_type = form.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
            return accounts_error(
                "unsupported_grant_type",
                "grant_type must be authorization_code, refresh_token or client_credentials",
            )
        app = self._client(req, form)
        if grant_type == "authorization_code":
            return self._exchange_code(app, form)
        if grant_type == "refresh_token":
            return self._refresh(app, form)
        return self._client_credentials(app, req, form)

    def _client_credentials(self, app: App, req: Request, form: dict[str, str]) -> Response:
        """Catalog reads (the ``Client_Credentials`` scheme): the app proves its secret."""
        _client_id, secret = _basic(req)
        if (secret or form.get("client_secret")) != app.client_secret or not app.client_secret:
            return accounts_error("invalid_client", "Invalid client", 401)
        state = self.state
        grant = Grant(new_token("g", 9), "tidal", app.client_id, "", frozenset(), 0.0, None, None)
        tok = issue_access_token(state, grant, state.config.access_token_ttl_s)
        return json_response(
            {
                "access_token": tok.token,
                "token_type": "Bearer",
                "expires_in": int(state.config.access_token_ttl_s),
            }
        )

    def _exchange_code(self, app: App, form: dict[str, str]) -> Response:
        state = self.state
        code = self.exchanged_code(app, form)
        verifier = form.get("code_verifier")
        if not verifier:
            return accounts_error("invalid_request", "code_verifier required")
        if s256(verifier) != code.code_challenge:
            return accounts_error("invalid_grant", "Invalid code_verifier")
        del state.codes[code.code]  # single use
        user = state.user("tidal", code.user_id)
        if user is None:
            return accounts_error("invalid_grant", "Invalid authorization code")
        grant = issue_grant(state, app, user, code.scopes, pkce=True)
        return json_response(self._payload(grant, user, include_refresh=True))

    def _refresh(self, app: App, form: dict[str, str]) -> Response:
        state = self.state
        grant = state.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.platform != "tidal" or grant.client_id != app.client_id:
            return accounts_error("invalid_grant", "Invalid refresh token")
        if grant_is_revoked(state, grant):
            return accounts_error("invalid_grant", "Refresh token revoked")
        user = state.user("tidal", grant.user_id)
        if user is None:
            return accounts_error("invalid_grant", "Invalid refresh token")
        return json_response(self._payload(grant, user, include_refresh=False))

    def _payload(self, grant: Grant, user: User, include_refresh: bool) -> dict[str, Any]:
        state: State = self.state
        tok = issue_access_token(state, grant, state.config.access_token_ttl_s)
        out: dict[str, Any] = {
            "access_token": tok.token,
            "token_type": "Bearer",
            "expires_in": int(state.config.access_token_ttl_s),
            "scope": " ".join(sorted(grant.scopes)),
            "user_id": int(user.id) if user.id.isdigit() else user.id,
        }
        if include_refresh and grant.refresh_token:
            out["refresh_token"] = grant.refresh_token
        return out
