"""Spotify accounts service under /spotify/accounts: authorize, login, consent, token.

Authorization code with PKCE (S256 only) or with the client secret, allow-listed redirect
URIs, ``state`` passed back, 6-month refresh-token lifetime counted from the authorization.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from ..actions import (
    grant_is_revoked,
    issue_access_token,
    issue_grant,
    spotify_redirect_matches,
    spotify_redirect_refusal,
)
from ..errors import accounts_error
from ..http import (
    HttpError,
    Request,
    Response,
    add_query,
    html_response,
    json_response,
    redirect,
)
from ..ids import token as new_token
from ..oauth_pages import AuthorizePages, continue_query
from ..pages import error_page
from ..state import SPOTIFY_SCOPES, App, Grant, State, User

BASE = "/spotify/accounts"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class SpotifyAccounts(AuthorizePages):
    platform = "spotify"
    authorize_path = f"{BASE}/authorize"
    token_route = ("POST", f"{BASE}/api/token")
    unknown_app = ("Error", "INVALID_CLIENT: Invalid client")

    # -- authorize ------------------------------------------------------------------------
    def check(
        self, app: App, redirect_uri: str, q: dict[str, str]
    ) -> tuple[App, str, frozenset[str]]:
        """Client and redirect URI errors are shown on the page; the rest go back to the app."""
        if spotify_redirect_refusal(redirect_uri):
            raise HttpError(
                html_response(*error_page("Error", "INVALID_CLIENT: Insecure redirect URI"))
            )
        if not spotify_redirect_matches(app.redirect_uris, redirect_uri):
            raise HttpError(
                html_response(*error_page("Error", "INVALID_CLIENT: Invalid redirect URI"))
            )
        back: dict[str, str] = {}
        if "state" in q:
            back["state"] = q["state"]
        if q.get("response_type") != "code":
            raise HttpError(
                redirect(add_query(redirect_uri, {"error": "unsupported_response_type", **back}))
            )
        scopes = frozenset(q.get("scope", "").split())
        if scopes - SPOTIFY_SCOPES:
            raise HttpError(redirect(add_query(redirect_uri, {"error": "invalid_scope", **back})))
        challenge, method = q.get("code_challenge"), q.get("code_challenge_method")
        if (challenge or method) and (method != "S256" or not challenge):
            raise HttpError(
                redirect(
                    add_query(
                        redirect_uri,
                        {
                            "error": "invalid_request",
                            "error_description": "code_challenge_method must be S256",
                            **back,
                        },
                    )
                )
            )
        return app, redirect_uri, scopes

    async def authorize(self, req: Request) -> Response:
        q = req.query
        app, redirect_uri, scopes = self._validate(q)
        user = self.signed_in(req, req.query_string)
        if q.get("show_dialog", "false").lower() != "true" and self._already_granted(
            app, user, scopes
        ):
            return self._approve(app, user, q, redirect_uri, scopes)
        return self.show_consent(req, app.name, user, sorted(scopes))

    def _already_granted(self, app: App, user: User, scopes: frozenset[str]) -> bool:
        agreed = self.state.consents.get(("spotify", app.client_id, user.id))
        return agreed is not None and scopes <= agreed

    async def consent(self, req: Request) -> Response:
        q = continue_query(req)
        app, redirect_uri, scopes = self._validate(q)
        user = self.signed_in(req, req.form().get("continue", ""))
        if req.form().get("action") != "accept":
            return redirect(add_query(redirect_uri, _with_state(q, {"error": "access_denied"})))
        key = ("spotify", app.client_id, user.id)
        self.state.consents[key] = self.state.consents.get(key, frozenset()) | scopes
        return self._approve(app, user, q, redirect_uri, scopes)

    def _approve(
        self, app: App, user: User, q: dict[str, str], redirect_uri: str, scopes: frozenset[str]
    ) -> Response:
        code = self.issue_code(
            "AQ", 48, app, user, redirect_uri, scopes, code_challenge=q.get("code_challenge")
        )
        return redirect(add_query(redirect_uri, _with_state(q, {"code": code})))

    # -- token endpoint -------------------------------------------------------------------
    def _client(self, req: Request, form: dict[str, str]) -> tuple[App, bool]:
        """The calling app and whether it proved its secret (Basic header or form)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = req.header(b"authorization")
        if auth and auth[:6] == b"Basic ":
            try:
                decoded = base64.b64decode(auth[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise HttpError(accounts_error("invalid_client", "Invalid client")) from None
            client_id, _, secret = decoded.partition(":")
        if not client_id:
            raise HttpError(accounts_error("invalid_client", "Invalid client"))
        app = self.state.app("spotify", client_id)
        if app is None:
            raise HttpError(accounts_error("invalid_client", "Invalid client"))
        if secret is not None and secret != app.client_secret:
            raise HttpError(accounts_error("invalid_client", "Invalid client secret"))
        return app, secret is not None

    async def token(self, req: Request) -> Response:
        form = req.form()
        grant_type = form.get("grant_type")
        if not grant_type:
            return accounts_error("unsupported_grant_type", "grant_type parameter is missing")
        app, authenticated = self._client(req, form)
        if grant_type == "authorization_code":
            return self._exchange_code(app, authenticated, form)
        if grant_type == "refresh_token":
            return self._refresh(app, authenticated, form)
        if grant_type == "client_credentials":
            if not authenticated:
                return accounts_error("invalid_client", "Invalid client secret")
            grant = Grant(
                new_token("g", 9), "spotify", app.client_id, "", frozenset(), 0.0, None, None
            )
            tok = issue_access_token(self.state, grant, self.state.config.access_token_ttl_s)
            return json_response(
                {"access_token": tok.token, "token_type": "Bearer", "expires_in": _ttl(self.state)}
            )
        return accounts_error(
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        )

    def _exchange_code(self, app: App, authenticated: bool, form: dict[str, str]) -> Response:
        state = self.state
        code = self.exchanged_code(app, form)
        if code.code_challenge:
            verifier = form.get("code_verifier")
            if not verifier:
                return accounts_error("invalid_request", "code_verifier required")
            if s256(verifier) != code.code_challenge:
                return accounts_error("invalid_grant", "code_verifier was incorrect")
        elif not authenticated:
            return accounts_error("invalid_client", "Invalid client secret")
        del state.codes[code.code]  # single use
        user = state.user("spotify", code.user_id)
        if user is None:
            return accounts_error("invalid_grant", "Invalid authorization code")
        grant = issue_grant(state, app, user, code.scopes, pkce=bool(code.code_challenge))
        tok = issue_access_token(state, grant, state.config.access_token_ttl_s)
        return json_response(token_payload(state, grant, tok.token, include_refresh=True))

    def _refresh(self, app: App, authenticated: bool, form: dict[str, str]) -> Response:
        state = self.state
        grant = state.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id != app.client_id:
            return accounts_error("invalid_grant", "Invalid refresh token")
        if not grant.pkce and not authenticated:
            return accounts_error("invalid_client", "Invalid client secret")
        if grant_is_revoked(state, grant):
            return accounts_error("invalid_grant", "Refresh token revoked")
        if grant.refresh_expires_at is not None and state.clock.now() >= grant.refresh_expires_at:
            return accounts_error("invalid_grant", "Refresh token expired")
        rotate = state.config.refresh_token_rotation
        if rotate and grant.refresh_token:
            state.refresh_tokens.pop(grant.refresh_token, None)
            grant.refresh_token = new_token("AQ")
            state.refresh_tokens[grant.refresh_token] = grant
        tok = issue_access_token(state, grant, state.config.access_token_ttl_s)
        return json_response(token_payload(state, grant, tok.token, include_refresh=rotate))


def _ttl(state: State) -> int:
    return int(state.config.access_token_ttl_s)


def _with_state(q: dict[str, str], params: dict[str, str]) -> dict[str, str]:
    if "state" in q:
        params["state"] = q["state"]
    return params


def token_payload(state: State, grant: Grant, access: str, include_refresh: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": _ttl(state),
        "scope": " ".join(sorted(grant.scopes)),
    }
    if include_refresh and grant.refresh_token:
        out["refresh_token"] = grant.refresh_token
    return out
