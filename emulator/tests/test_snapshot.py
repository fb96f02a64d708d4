"""With --snapshot, state (apps, catalog, users, libraries, tokens, clock) survives a restart."""

from __future__ import annotations

import httpx

from emulator.testing import AdminClient, run_emulator

from .conftest import bearer, seed_catalog, spotify_app, spotify_token


def test_it_restores_state_from_the_snapshot_after_a_restart(tmp_path):
    snapshot = tmp_path / "state.json"
    with run_emulator(snapshot=snapshot) as base:
        admin = AdminClient(base)
        ids = seed_catalog(admin)
        spotify_app(admin)
        tok = spotify_token(admin)
        uri = f"spotify:album:{ids['released']['spotify']}"
        r = httpx.put(
            f"{base}/spotify/v1/me/library",
            params={"uris": uri},
            headers=bearer(tok["access_token"]),
        )
        assert r.status_code == 200
        frozen = admin.clock(freeze=True, advance=86400)["now"]
        admin.close()
    assert snapshot.exists()
    with run_emulator(snapshot=snapshot) as base:
        admin = AdminClient(base)
        assert admin.http.get("/clock").json()["now"] == frozen
        assert [e["id"] for e in admin.library("spotify", "fan1")["saved"]] == [
            ids["released"]["spotify"]
        ]
        r = httpx.post(
            f"{base}/spotify/accounts/api/token",
            data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
            auth=("fanloop-client", "fanloop-secret"),
        )
        assert r.status_code == 200
        admin.close()
