"""The admin API is documented: every /_emulator route is in the OpenAPI document, which is
served and identical to emulator/admin-openapi.json; bad admin input answers 400."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.admin_openapi import document
from emulator.app import Emulator

DOC = Path(__file__).resolve().parents[1] / "admin-openapi.json"


def test_it_documents_every_admin_route():
    router = Emulator().router
    routes = {(r.method.lower(), r.template) for r in router.exact.values()}
    routes |= {(r.method.lower(), r.template) for _re, r in router.patterns}
    admin_routes = {(m, t) for m, t in routes if t.startswith("/_emulator")}
    documented = {(m, p) for p, ops in document()["paths"].items() for m in ops}
    assert admin_routes == documented


def test_it_serves_the_same_document_as_the_file(http, admin):
    served = http.get("/_emulator/openapi.json").json()
    assert served == json.loads(DOC.read_text()) == document()


def test_it_answers_bad_admin_input_with_400(admin, http):
    assert http.post("/_emulator/apps", json={"platform": "myspace"}).status_code == 400
    r = http.post(
        "/_emulator/catalog", json={"albums": [{"name": "x", "upc": "1", "artists": ["nobody"]}]}
    )
    assert r.status_code == 400 and "unknown artist" in r.json()["error"]
    assert http.post("/_emulator/faults", json={"error_rate": {"418": 1}}).status_code == 400
    assert http.post("/_emulator/config", json={"nope": 1}).status_code == 400
    assert http.get("/_emulator/users/spotify/ghost/library").status_code == 404


def test_it_creates_users_and_tokens_in_bulk(admin):
    users = admin.users([{"platform": "deezer", "country": "FR"} for _ in range(3)])
    assert len({u["id"] for u in users}) == 3 and all(u["id"].isdigit() for u in users)
    admin.app(platform="deezer", client_id="1", client_secret="s")
    tokens = admin.tokens(
        [
            {
                "platform": "deezer",
                "user_id": u["id"],
                "client_id": "1",
                "perms": ["manage_library", "offline_access"],
            }
            for u in users
        ]
    )
    assert all(t["expires"] == 0 for t in tokens)
