"""Optional snapshot file: the state written as JSON on shutdown (and on demand), read at start.

Apps, catalog, users with their libraries, grants and tokens, clock, config and faults survive
a restart; request counters do not (they describe one run).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import orjson

from .state import AccessToken, App, Config, Grant, State, User

# Snapshots written before a field was dropped still load (the dropped fields are ignored).
APP_FIELDS = frozenset(f.name for f in dataclasses.fields(App))
GRANT_FIELDS = frozenset(f.name for f in dataclasses.fields(Grant))

VERSION = 1


def dump(state: State) -> dict[str, Any]:
    return {
        "version": VERSION,
        "clock": state.clock.dump(),
        "config": state.config.dump(),
        "faults": state.faults.raw,
        "catalog": state.catalog.dump(),
        "apps": [dataclasses.asdict(a) for a in state.apps.values()],
        "users": [dataclasses.asdict(u) for u in state.users.values()],
        "grants": [
            {**dataclasses.asdict(g), "scopes": sorted(g.scopes)} for g in state.grants.values()
        ],
        "access_tokens": [
            {"token": t.token, "grant": t.grant.id, "expires_at": t.expires_at}
            for t in state.access_tokens.values()
        ],
        "user_seq": state.user_seq,
    }


def load(state: State, data: dict[str, Any]) -> None:
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
    state.reset()
    state.clock.load(data.get("clock") or {})
    known = set(Config.__slots__)
    state.config.update({k: v for k, v in (data.get("config") or {}).items() if k in known})
    state.faults.configure(data.get("faults") or {})
    state.catalog.upsert(data.get("catalog") or {})
    for raw in data.get("apps") or []:
        app = App(**{k: v for k, v in raw.items() if k in APP_FIELDS})
        state.apps[(app.platform, app.client_id)] = app
        if app.platform == "apple":
            state.apple_keys[app.key_id] = app
    for raw in data.get("users") or []:
        user = User(**raw)
        state.users[(user.platform, user.id)] = user
        state.users_by_email[(user.platform, user.email.lower())] = user
        for key in user.library:
            if key.startswith(("spotify:artist:", "artist:")):
                artist = state.catalog.artist(user.platform, key.rsplit(":", 1)[1])
                if artist is not None:
                    artist.fans[user.platform] = artist.fans.get(user.platform, 0) + 1
    for raw in data.get("grants") or []:
        fields = {k: v for k, v in raw.items() if k in GRANT_FIELDS}
        grant = Grant(**{**fields, "scopes": frozenset(raw["scopes"])})
        state.grants[grant.id] = grant
        if grant.refresh_token:
            state.refresh_tokens[grant.refresh_token] = grant
    for raw in data.get("access_tokens") or []:
        owner = state.grants.get(raw["grant"])
        if owner is not None:
            state.access_tokens[raw["token"]] = AccessToken(raw["token"], owner, raw["expires_at"])
    state.user_seq = int(data.get("user_seq", 0))


def save_file(state: State, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(orjson.dumps(dump(state)))
    os.replace(tmp, path)  # atomic: a crash mid-write never leaves half a snapshot


def load_file(state: State, path: Path) -> bool:
    if not path.exists():
        return False
    load(state, orjson.loads(path.read_bytes()))
    return True
