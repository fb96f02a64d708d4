"""The admin API's OpenAPI 3.1 document, served at /_emulator/openapi.json and written to
emulator/admin-openapi.json by ``python -m emulator.admin_openapi`` (a test keeps them equal).
"""

from __future__ import annotations

import json
import sys
from typing import Any

OBJ: dict[str, Any] = {"type": "object"}
STR: dict[str, Any] = {"type": "string"}
PLATFORM: dict[str, Any] = {"type": "string", "enum": ["spotify", "deezer", "apple", "tidal"]}
RATE: dict[str, Any] = {
    "type": "object",
    "properties": {"limit": {"type": ["integer", "null"]}, "window_s": {"type": "number"}},
}

SCHEMAS: dict[str, Any] = {
    "App": {
        "type": "object",
        "required": ["platform", "client_id"],
        "properties": {
            "platform": PLATFORM,
            "client_id": STR,
            "client_secret": STR,
            "name": STR,
            "redirect_uris": {
                "type": "array",
                "items": STR,
                "description": "spotify: https, or plain http only for 127.0.0.1 / [::1]; "
                "never localhost (else 400)",
            },
            "mode": {"type": "string", "enum": ["development", "extended"]},
            "rate_limit": RATE,
            "owner": {**STR, "description": "spotify only; the owner's email (always served)"},
            "users": {
                "type": "array",
                "items": STR,
                "maxItems": 5,
                "description": "spotify only; the development-mode allow-list (emails); five "
                "accounts at most, the owner included",
            },
            "team_id": {**STR, "description": "apple only"},
            "key_id": {**STR, "description": "apple only"},
            "public_key": {**STR, "description": "apple only; PEM. Omit to have one generated"},
        },
    },
    "AllowedUser": {
        "type": "object",
        "required": ["email"],
        "properties": {"email": STR},
    },
    "Catalog": {
        "type": "object",
        "properties": {
            "artists": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "key": STR,
                        "name": STR,
                        "followers": {"type": "integer"},
                        "genres": {"type": "array", "items": STR},
                        "ids": {"$ref": "#/components/schemas/PlatformIds"},
                    },
                },
            },
            "albums": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "upc"],
                    "properties": {
                        "key": STR,
                        "name": STR,
                        "upc": STR,
                        "artists": {"type": "array", "items": STR, "description": "artist keys"},
                        "album_type": {
                            "type": "string",
                            "enum": ["album", "single", "compilation"],
                        },
                        "label": STR,
                        "release_date": {**STR, "description": "local midnight in every market"},
                        "release_date_precision": {"enum": ["year", "month", "day"]},
                        "release_at": {**STR, "description": "one global instant (ISO 8601)"},
                        "deezer_upc": STR,
                        "deezer_strip_upc_zeros": {"type": "boolean"},
                        "ids": {"$ref": "#/components/schemas/PlatformIds"},
                        "tracks": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "isrc"],
                                "properties": {
                                    "key": STR,
                                    "name": STR,
                                    "isrc": STR,
                                    "duration_ms": {"type": "integer"},
                                    "explicit": {"type": "boolean"},
                                    "ids": {"$ref": "#/components/schemas/PlatformIds"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "PlatformIds": {
        "type": "object",
        "properties": {"spotify": STR, "deezer": STR, "apple": STR, "tidal": STR},
    },
    "User": {
        "type": "object",
        "required": ["platform"],
        "properties": {
            "platform": PLATFORM,
            "id": STR,
            "country": STR,
            "name": STR,
            "email": STR,
            "premium": {"type": "boolean"},
            "password": STR,
        },
    },
    "TokenRequest": {
        "type": "object",
        "required": ["platform", "user_id", "client_id"],
        "properties": {
            "platform": PLATFORM,
            "user_id": STR,
            "client_id": STR,
            "scopes": {"oneOf": [STR, {"type": "array", "items": STR}]},
            "perms": {"oneOf": [STR, {"type": "array", "items": STR}]},
            "expires_in": {"type": "integer"},
            "pkce": {"type": "boolean"},
        },
    },
    "FanAct": {
        "type": "object",
        "required": ["platform", "user_id", "act", "type"],
        "properties": {
            "platform": PLATFORM,
            "user_id": STR,
            "act": {"enum": ["save", "remove", "follow", "unfollow"]},
            "type": {
                "enum": ["album", "track", "artist"],
                "description": "save/remove: album or track; follow/unfollow: artist",
            },
            "key": {**STR, "description": "the item's catalog key"},
            "id": {**STR, "description": "or the item's id on that platform"},
            "at": {
                "oneOf": [STR, {"type": "number"}],
                "description": "emulated time of the act (ISO 8601 or epoch); default now",
            },
        },
    },
    "Revoke": {
        "type": "object",
        "properties": {"token": STR, "platform": PLATFORM, "user_id": STR, "client_id": STR},
    },
    "Clock": {
        "type": "object",
        "properties": {
            "set": {"oneOf": [STR, {"type": "number"}]},
            "freeze": {"type": "boolean"},
            "advance": {"type": "number"},
            "mode": {"enum": ["real"]},
            "offset_s": {"type": "number"},
        },
    },
    "Faults": {
        "type": "object",
        "properties": {
            "seed": {"type": "integer"},
            "platforms": {"type": "array", "items": PLATFORM},
            "error_rate": {
                "type": "object",
                "properties": {
                    "500": {"type": "number"},
                    "502": {"type": "number"},
                    "503": {"type": "number"},
                },
            },
            "latency_ms": {
                "type": "object",
                "properties": {
                    "distribution": {"enum": ["none", "fixed", "uniform", "exponential"]},
                    "value": {"type": "number"},
                    "min": {"type": "number"},
                    "max": {"type": "number"},
                    "mean": {"type": "number"},
                },
            },
            "hang_rate": {"type": "number"},
            "hang_s": {"type": "number"},
            "revoked_user_share": {"type": "number"},
        },
    },
    "Config": {
        "type": "object",
        "properties": {
            "library_artist_requires_follow_scope": {"type": "boolean"},
            "dev_mode_strips_private_fields": {"type": "boolean"},
            "refresh_token_rotation": {"type": "boolean"},
            "library_unknown_ids": {"enum": ["error", "ignore"]},
            "default_market": STR,
            "access_token_ttl_s": {"type": "integer"},
            "refresh_token_months": {"type": "integer"},
            "deezer_token_ttl_s": {"type": "integer"},
            "apple_user_token_ttl_s": {"type": "integer"},
            "login_password": {"type": ["string", "null"]},
        },
    },
}


def _op(summary: str, body: str | None = None, many: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": OBJ}}},
            "400": {"description": '{"error": "..."}'},
        },
    }
    if body:
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{body}"}
        if many:
            schema = {
                "oneOf": [
                    schema,
                    {"type": "object", "properties": {many: {"type": "array", "items": schema}}},
                ]
            }
        op["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    return op


def _user_params() -> list[dict[str, Any]]:
    return [
        {"name": "platform", "in": "path", "required": True, "schema": PLATFORM},
        {"name": "user_id", "in": "path", "required": True, "schema": STR},
    ]


def _app_params() -> list[dict[str, Any]]:
    return [
        {"name": "platform", "in": "path", "required": True, "schema": PLATFORM},
        {"name": "client_id", "in": "path", "required": True, "schema": STR},
    ]


PATHS: dict[str, Any] = {
    "/_emulator/health": {"get": _op("Liveness; the benchmark's trivial route")},
    "/_emulator/openapi.json": {"get": _op("This document")},
    "/_emulator/reset": {"post": _op("Forget everything (seed is kept)")},
    "/_emulator/apps": {
        "get": _op("List apps"),
        "post": _op(
            "Create or replace apps (201); apple apps return a generated private_key "
            "when no public_key is given",
            "App",
            "apps",
        ),
    },
    "/_emulator/apps/{platform}/{client_id}/users": {
        "get": {
            **_op("A Spotify app's development-mode allow-list: {owner, users}"),
            "parameters": _app_params(),
        },
        "post": {
            **_op(
                "Add an email to the allow-list (201); 400 when the app already serves five "
                "accounts, the owner included",
                "AllowedUser",
            ),
            "parameters": _app_params(),
        },
    },
    "/_emulator/apps/{platform}/{client_id}/users/{email}": {
        "delete": {
            **_op("Remove an email from the allow-list (404 when absent)"),
            "parameters": [
                *_app_params(),
                {"name": "email", "in": "path", "required": True, "schema": STR},
            ],
        }
    },
    "/_emulator/catalog": {
        "get": _op("The catalog, in the input shape"),
        "post": _op(
            "Upsert artists, albums (UPC), tracks (ISRC) and release instants; "
            "returns the ids per platform (201)",
            "Catalog",
        ),
    },
    "/_emulator/users": {"post": _op("Create or replace users (201)", "User", "users")},
    "/_emulator/users/{platform}/{user_id}": {
        "get": {**_op("One user"), "parameters": _user_params()}
    },
    "/_emulator/users/{platform}/{user_id}/library": {
        "get": {**_op("Saved items and follows of a user"), "parameters": _user_params()}
    },
    "/_emulator/acts": {
        "post": _op(
            "Users acting on their own, outside any app: save or remove an album or track, "
            "follow or unfollow an artist, at an emulated time (201; all or none applied; "
            "counted in stats.fan_acts, not as save operations)",
            "FanAct",
            "acts",
        )
    },
    "/_emulator/tokens": {
        "post": _op(
            "Mint tokens without the browser: spotify → access/refresh token, deezer → "
            "access token, apple → music_user_token, tidal → access/refresh token (201)",
            "TokenRequest",
            "tokens",
        )
    },
    "/_emulator/revoke": {
        "post": _op("Revoke a token, or a user's grants (for one app)", "Revoke")
    },
    "/_emulator/clock": {
        "get": _op("Current emulated time"),
        "post": _op("Set, freeze, advance or return to real time", "Clock"),
    },
    "/_emulator/faults": {
        "get": _op("Fault settings and counts"),
        "post": _op("Replace fault settings (seeded)", "Faults"),
    },
    "/_emulator/config": {
        "get": _op("Behaviour switches"),
        "post": _op("Change behaviour switches", "Config"),
    },
    "/_emulator/stats": {
        "get": {
            **_op(
                "Requests by route and status, 429s, window usage per app, save operations "
                "and duplicates; ?detail=1 adds per-(user, item) save counts"
            ),
            "parameters": [{"name": "detail", "in": "query", "schema": {"enum": ["0", "1"]}}],
        }
    },
    "/_emulator/stats/reset": {"post": _op("Zero the counters")},
    "/_emulator/apple/developer-token": {
        "post": _op("Sign an ES256 developer token with an emulator-generated Apple key")
    },
    "/_emulator/snapshot": {"post": _op("Write the snapshot file now (needs --snapshot)")},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fanloop platform emulator — admin API",
            "version": "1.0.0",
            "description": "Seed and steer the emulator; see emulator/README.md.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


if __name__ == "__main__":
    json.dump(document(), sys.stdout, indent=2)
    sys.stdout.write("\n")
