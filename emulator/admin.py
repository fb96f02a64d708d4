"""The admin API under /_emulator/: seed apps, catalog and users, mint tokens, steer the clock,
faults and config, and read libraries and stats. JSON in and out; see admin-openapi.json.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import jwt

from . import actions
from .admin_openapi import document
from .catalog import CatalogError
from .clock import iso, parse_instant
from .errors import admin_error
from .http import HttpError, Request, Response, Router, json_response, raw_json
from .state import DEEZER_PERMS, SPOTIFY_SCOPES, TIDAL_SCOPES, App, State, User
from .stats import Stats

ErrorTypes = (ValueError, TypeError, KeyError)
T = TypeVar("T")


def _many(body: Any, key: str) -> tuple[list[dict[str, Any]], bool]:
    """Accept one object or ``{key: [objects]}``; remember which, to answer in kind."""
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key], True
    if isinstance(body, dict):
        return [body], False
    raise ValueError("expected a JSON object")


def _created(
    req: Request,
    key: str,
    create: Callable[[dict[str, Any]], T],
    view: Callable[[T], dict[str, Any]],
) -> Response:
    """201 with the view of each object ``create`` made from the body (``_many``), in the
    body's form; 400 when the body or an object is refused."""
    try:
        items, many = _many(req.json(), key)
        made = [create(item) for item in items]
    except ErrorTypes as exc:
        return admin_error(str(exc))
    views = [view(obj) for obj in made]
    return json_response({key: views} if many else views[0], 201)


def _scopes(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.replace(",", " ").split())
    return frozenset(str(v) for v in value)


def app_view(app: App) -> dict[str, Any]:
    out: dict[str, Any] = {
        "platform": app.platform,
        "client_id": app.client_id,
        "name": app.name,
        "redirect_uris": app.redirect_uris,
        "mode": app.mode,
        "rate_limit": {"limit": app.rate_limit, "window_s": app.window_s},
    }
    if app.platform == "spotify":
        out.update(owner=app.owner, users=list(app.users))
    if app.platform == "apple":
        out.update(team_id=app.team_id, key_id=app.key_id, public_key=app.public_key_pem)
        if app.private_key_pem:
            out["private_key"] = app.private_key_pem
    return out


def user_view(user: User) -> dict[str, Any]:
    return {
        "platform": user.platform,
        "id": user.id,
        "country": user.country,
        "name": user.name,
        "email": user.email,
        "premium": user.premium,
    }


class Admin:
    def __init__(self, state: State, save_snapshot: Any) -> None:
        self.state = state
        self.save_snapshot = save_snapshot

    def routes(self, router: Router) -> None:
        p = "/_emulator"
        add = router.add
        add("GET", f"{p}/health", self.health, "admin")
        add("GET", f"{p}/openapi.json", self.openapi, "admin")
        add("POST", f"{p}/reset", self.reset, "admin")
        add("GET", f"{p}/apps", self.list_apps, "admin")
        add("POST", f"{p}/apps", self.create_apps, "admin")
        users = f"{p}/apps/{{platform}}/{{client_id}}/users"
        add("GET", users, self.app_users, "admin")
        add("POST", users, self.allow_user, "admin")
        add("DELETE", f"{users}/{{email}}", self.disallow_user, "admin")
        add("GET", f"{p}/catalog", self.get_catalog, "admin")
        add("POST", f"{p}/catalog", self.post_catalog, "admin")
        add("POST", f"{p}/users", self.create_users, "admin")
        add("GET", f"{p}/users/{{platform}}/{{user_id}}", self.get_user, "admin")
        add("GET", f"{p}/users/{{platform}}/{{user_id}}/library", self.library, "admin")
        add("POST", f"{p}/acts", self.acts, "admin")
        add("POST", f"{p}/tokens", self.tokens, "admin")
        add("POST", f"{p}/revoke", self.revoke, "admin")
        add("GET", f"{p}/clock", self.get_clock, "admin")
        add("POST", f"{p}/clock", self.post_clock, "admin")
        add("GET", f"{p}/faults", self.get_faults, "admin")
        add("POST", f"{p}/faults", self.post_faults, "admin")
        add("GET", f"{p}/config", self.get_config, "admin")
        add("POST", f"{p}/config", self.post_config, "admin")
        add("GET", f"{p}/stats", self.stats, "admin")
        add("POST", f"{p}/stats/reset", self.reset_stats, "admin")
        add("POST", f"{p}/apple/developer-token", self.apple_developer_token, "admin")
        add("POST", f"{p}/snapshot", self.snapshot, "admin")

    async def health(self, req: Request) -> Response:
        return raw_json(b'{"ok":true}')

    async def openapi(self, req: Request) -> Response:
        return json_response(document())

    async def reset(self, req: Request) -> Response:
        self.state.reset()
        return json_response({"ok": True})

    async def list_apps(self, req: Request) -> Response:
        return json_response({"apps": [app_view(a) for a in self.state.apps.values()]})

    async def create_apps(self, req: Request) -> Response:
        return _created(req, "apps", lambda item: actions.create_app(self.state, item), app_view)

    # -- a Spotify app's development-mode allow-list (Developer Dashboard: User Management) --
    def _spotify_app(self, req: Request) -> App:
        app = self.state.app(req.params["platform"], req.params["client_id"])
        if app is None:
            raise HttpError(admin_error("unknown app (platform, client_id)", 404))
        if app.platform != "spotify":
            raise HttpError(admin_error("only Spotify apps have a development-mode allow-list"))
        return app

    @staticmethod
    def _allow_list(app: App, status: int = 200) -> Response:
        return json_response({"owner": app.owner, "users": list(app.users)}, status)

    async def app_users(self, req: Request) -> Response:
        return self._allow_list(self._spotify_app(req))

    async def allow_user(self, req: Request) -> Response:
        app = self._spotify_app(req)
        try:
            body = req.json()
            actions.allow_user(app, str(body.get("email", "")) if isinstance(body, dict) else "")
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return self._allow_list(app, 201)

    async def disallow_user(self, req: Request) -> Response:
        app = self._spotify_app(req)
        try:
            removed = actions.disallow_user(app, req.params["email"])
        except ErrorTypes as exc:
            return admin_error(str(exc))
        if not removed:
            return admin_error("not on the allow-list", 404)
        return self._allow_list(app)

    async def get_catalog(self, req: Request) -> Response:
        return json_response(self.state.catalog.dump())

    async def post_catalog(self, req: Request) -> Response:
        try:
            body = req.json()
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            return json_response(self.state.catalog.upsert(body), 201)
        except (CatalogError, *ErrorTypes) as exc:
            return admin_error(str(exc))

    async def create_users(self, req: Request) -> Response:
        return _created(req, "users", lambda item: actions.create_user(self.state, item), user_view)

    def _user(self, req: Request) -> User:
        user = self.state.user(req.params["platform"], req.params["user_id"])
        if user is None:
            raise HttpError(admin_error("no such user", 404))
        return user

    async def get_user(self, req: Request) -> Response:
        user = self._user(req)
        return json_response(user_view(user))

    async def library(self, req: Request) -> Response:
        user = self._user(req)
        catalog = self.state.catalog
        saved: list[dict[str, Any]] = []
        follows: list[dict[str, Any]] = []
        for key, added in user.library.items():
            bits = key.split(":")
            kind, item_id = bits[-2], bits[-1]
            singular = kind.rstrip("s") if user.platform in ("apple", "tidal") else kind
            entry = {
                "key": key,
                "type": singular,
                "id": item_id,
                "catalog_key": catalog.by_id.get((user.platform, singular, item_id)),
                "added_at": iso(added),
            }
            (follows if singular in ("artist", "user") else saved).append(entry)
        return json_response(
            {"platform": user.platform, "user_id": user.id, "saved": saved, "follows": follows}
        )

    async def acts(self, req: Request) -> Response:
        """Users acting on their own (save, remove, follow, unfollow), all or none applied."""
        try:
            items, many = _many(req.json(), "acts")
            out = actions.fan_acts(self.state, items)
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return json_response({"acts": out} if many else out[0], 201)

    async def tokens(self, req: Request) -> Response:
        try:
            items, many = _many(req.json(), "tokens")
            out = [self._mint(item) for item in items]
        except actions.ActionError as exc:
            return admin_error(str(exc))
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return json_response({"tokens": out} if many else out[0], 201)

    def _mint(self, data: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        platform = str(data.get("platform", ""))
        app = state.app(platform, str(data.get("client_id", "")))
        if app is None:
            raise actions.ActionError("unknown app (platform, client_id)")
        user = state.user(platform, str(data.get("user_id", "")))
        if user is None:
            raise actions.ActionError("unknown user (platform, user_id)")
        if platform in ("spotify", "tidal"):
            known = SPOTIFY_SCOPES if platform == "spotify" else TIDAL_SCOPES
            scopes = _scopes(data.get("scopes"))
            if scopes - known:
                raise actions.ActionError(f"unknown scopes: {sorted(scopes - known)}")
            pkce = bool(data.get("pkce")) if platform == "spotify" else True
            grant = actions.issue_grant(state, app, user, scopes, pkce=pkce)
            ttl = data.get("expires_in", state.config.access_token_ttl_s)
            tok = actions.issue_access_token(state, grant, float(ttl))
            minted: dict[str, Any] = {
                "access_token": tok.token,
                "token_type": "Bearer",
                "expires_in": int(ttl),
                "refresh_token": grant.refresh_token,
                "scope": " ".join(sorted(scopes)),
            }
            if platform == "spotify":
                minted["refresh_expires_at"] = iso(grant.refresh_expires_at or 0)
            else:
                minted["user_id"] = user.id
            return minted
        if platform == "deezer":
            perms = _scopes(data.get("perms") or data.get("scopes") or "basic_access")
            if perms - DEEZER_PERMS:
                raise actions.ActionError(f"unknown perms: {sorted(perms - DEEZER_PERMS)}")
            grant = actions.issue_grant(state, app, user, perms)
            ttl = None if "offline_access" in perms else state.config.deezer_token_ttl_s
            tok = actions.issue_access_token(state, grant, ttl)
            return {"access_token": tok.token, "expires": int(ttl or 0)}
        grant = actions.issue_grant(state, app, user, frozenset())
        tok = actions.issue_access_token(state, grant, state.config.apple_user_token_ttl_s)
        return {"music_user_token": tok.token}

    async def revoke(self, req: Request) -> Response:
        try:
            body = req.json()
            n = actions.revoke(self.state, body if isinstance(body, dict) else {})
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return json_response({"revoked": n})

    async def get_clock(self, req: Request) -> Response:
        return json_response(self.state.clock.describe())

    async def post_clock(self, req: Request) -> Response:
        clock = self.state.clock
        try:
            body = req.json() or {}
            if "set" in body:
                clock.set(parse_instant(body["set"]), freeze=bool(body.get("freeze", False)))
            elif body.get("freeze"):
                clock.set(clock.now(), freeze=True)
            if "advance" in body:
                clock.advance(float(body["advance"]))
            if body.get("mode") == "real":
                clock.real(float(body.get("offset_s", 0.0)))
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return json_response(clock.describe())

    async def get_faults(self, req: Request) -> Response:
        return json_response(self.state.faults.describe())

    async def post_faults(self, req: Request) -> Response:
        try:
            body = req.json() or {}
            self.state.faults.configure(body)
        except ErrorTypes as exc:
            return admin_error(str(exc))
        return json_response(self.state.faults.describe())

    async def get_config(self, req: Request) -> Response:
        return json_response(self.state.config.dump())

    async def post_config(self, req: Request) -> Response:
        try:
            self.state.config.update(req.json() or {})
        except ErrorTypes as exc:
            return admin_error(str(exc))
        self.state.catalog._release_cache.clear()
        return json_response(self.state.config.dump())

    async def stats(self, req: Request) -> Response:
        detail = req.query.get("detail") in ("1", "true")
        out = self.state.stats.describe(detail)
        out["window_usage"] = self.state.limiter.usage()
        out["faults_injected"] = dict(self.state.faults.injected)
        return json_response(out)

    async def reset_stats(self, req: Request) -> Response:
        self.state.stats = Stats()
        return json_response({"ok": True})

    async def apple_developer_token(self, req: Request) -> Response:
        """Sign a developer token with an emulator-generated Apple key (tests, benchmarks)."""
        body = req.json() or {}
        app = self.state.app("apple", str(body.get("client_id", "")))
        if app is None or not app.private_key_pem:
            return admin_error("unknown apple app, or its key was not generated here")
        now = int(self.state.clock.now())
        ttl = int(body.get("expires_in", 86400 * 30))
        claims = {"iss": app.team_id, "iat": now, "exp": now + ttl}
        token = jwt.encode(
            claims, app.private_key_pem, algorithm="ES256", headers={"kid": app.key_id}
        )
        return json_response({"developer_token": token, "expires_at": iso(now + ttl)})

    async def snapshot(self, req: Request) -> Response:
        path = self.save_snapshot()
        if path is None:
            return admin_error("no snapshot file configured (start with --snapshot FILE)")
        return json_response({"saved": str(path)})
