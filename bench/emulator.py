"""Benchmark: the emulator's hot path (PUT /spotify/v1/me/library) against a trivial route.

Starts the emulator (granian, one worker), seeds an extended-quota app without rate limit,
a catalog and many users with tokens, then drives both routes from a separate load-generator
process on loopback (wrk when installed, else a raw-socket asyncio client), bounded by time.
Prints one JSON line last: {"library_rps", "trivial_rps", "ratio", ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import keep_alive_connection, parse_wrk, print_result
from emulator.testing import AdminClient, run_emulator


def seed(admin: AdminClient, users: int, albums: int) -> list[tuple[str, str]]:
    """Return (token, path) pairs: each user saves one album and follows the artist."""
    admin.app(
        platform="spotify",
        client_id="bench",
        client_secret="s",
        redirect_uris=["http://127.0.0.1/callback"],
        mode="extended",
        rate_limit={"limit": None, "window_s": 30},
    )
    out = admin.catalog(
        artists=[{"key": "artist", "name": "Bench Artist"}],
        albums=[
            {
                "key": f"al{i}",
                "name": f"Album {i}",
                "upc": f"{i:012d}",
                "artists": ["artist"],
                "release_date": "2020-01-01",
                "tracks": [{"name": "T", "isrc": f"BENCH{i:07d}"}],
            }
            for i in range(albums)
        ],
    )
    artist = out["artists"][0]["ids"]["spotify"]
    album_ids = [a["ids"]["spotify"] for a in out["albums"]]
    admin.users([{"platform": "spotify", "id": f"b{i}", "country": "US"} for i in range(users)])
    tokens = admin.tokens(
        [
            {
                "platform": "spotify",
                "user_id": f"b{i}",
                "client_id": "bench",
                "scopes": "user-library-modify user-follow-modify",
                "expires_in": 86400,
            }
            for i in range(users)
        ]
    )
    pairs = []
    for i, tok in enumerate(tokens):
        album = album_ids[i % len(album_ids)]
        path = f"/spotify/v1/me/library?uris=spotify:album:{album},spotify:artist:{artist}"
        pairs.append((tok["access_token"], path))
    return pairs


# -- generator 1: wrk ----------------------------------------------------------------------
WRK_SCRIPT = """
local pairs = {%s}
local n = 0
request = function()
  n = n + 1
  local p = pairs[(n %% #pairs) + 1]
  return wrk.format("%s", p[2], {["Authorization"] = "Bearer " .. p[1]})
end
"""


def run_wrk(base: str, pairs: list[tuple[str, str]] | None, path: str, args: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        if pairs:
            body = ",".join(f'{{"{t}","{p}"}}' for t, p in pairs)
            f.write(WRK_SCRIPT % (body, "PUT" if not path else "GET"))
        else:
            f.write("")
        script = f.name
    cmd = [
        "wrk",
        "-t1",
        f"-c{args.concurrency}",
        f"-d{args.duration}s",
        "--timeout",
        "5s",
        "-s",
        script,
        base + path,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60).stdout
    report = parse_wrk(out)
    return {
        "rps": report["rps"],
        "requests": report["requests"],
        "non_2xx": report["non_2xx"],
        "socket_errors": report["socket_errors"],
    }


# -- generator 2: raw asyncio sockets in a separate process ---------------------------------
def _py_worker(host: str, port: int, reqs: list[bytes], conc: int, secs: float, q: Any) -> None:
    async def main() -> list[int]:
        deadline = time.monotonic() + secs
        latencies: list[float] = []
        per = [reqs[k::conc] or reqs for k in range(conc)]
        results = await asyncio.gather(
            *(keep_alive_connection(host, port, per[k], deadline, latencies) for k in range(conc))
        )
        return [sum(r[0] for r in results), sum(r[1] for r in results)]

    start = time.monotonic()
    ok, bad = asyncio.run(main())
    q.put((ok, bad, time.monotonic() - start))


def run_python(
    base: str, pairs: list[tuple[str, str]] | None, path: str, args: Any
) -> dict[str, Any]:
    host, port = base.split("//")[1].split(":")
    if pairs:
        method = "GET" if path else "PUT"
        reqs = [
            f"{method} {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {t}\r\n"
            f"Content-Length: 0\r\n\r\n".encode()
            for t, p in pairs
        ]
    else:
        reqs = [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()]
    q: Any = multiprocessing.Queue()
    proc = multiprocessing.Process(
        target=_py_worker, args=(host, int(port), reqs, args.concurrency, args.duration, q)
    )
    proc.start()
    ok, bad, elapsed = q.get(timeout=args.duration + 60)
    proc.join()
    return {"rps": (ok + bad) / elapsed, "requests": ok + bad, "non_2xx": bad}


def _total(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one route added up: requests over the time they took."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["requests"] / r["rps"] for r in rounds if r["rps"])
    return {
        "rps": requests / seconds if seconds else 0.0,
        "requests": requests,
        "non_2xx": sum(r["non_2xx"] for r in rounds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per route")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--albums", type=int, default=200)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    if generator == "wrk":
        args.duration = int(args.duration)
    run = run_wrk if generator == "wrk" else run_python
    with run_emulator() as base:
        admin = AdminClient(base, timeout_s=120)
        pairs = seed(admin, args.users, args.albums)
        run(base, pairs[:50], "", argparse.Namespace(duration=1, concurrency=8))  # warm-up
        admin.http.post("/stats/reset")
        # Alternate short rounds of both routes so that load from elsewhere on the machine
        # falls on both alike, instead of on whichever route happened to run at the time.
        per_round = argparse.Namespace(
            duration=max(1, int(args.duration / args.rounds)), concurrency=args.concurrency
        )
        trivial_pairs = [(token, "/_emulator/health") for token, _ in pairs]
        library_rounds, trivial_rounds = [], []
        for _ in range(args.rounds):
            library_rounds.append(run(base, pairs, "", per_round))
            # The same generator work for both routes: the trivial requests go through the
            # same Lua script with the same bearer tokens (the route ignores them).
            trivial_rounds.append(run(base, trivial_pairs, "/_emulator/health", per_round))
        stats = admin.stats()
        admin.close()
    library, trivial = _total(library_rounds), _total(trivial_rounds)
    result = {
        "library_rps": round(library["rps"], 1),
        "trivial_rps": round(trivial["rps"], 1),
        "ratio": round(library["rps"] / trivial["rps"], 3),
        "round_ratios": [
            round(lib["rps"] / triv["rps"], 3)
            for lib, triv in zip(library_rounds, trivial_rounds, strict=True)
        ],
        "rounds": args.rounds,
        "generator": generator,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "requests": {"library": library["requests"], "trivial": trivial["requests"]},
        "non_2xx": {"library": library["non_2xx"], "trivial": trivial["non_2xx"]},
        "uris_per_library_call": 2,
        "users": args.users,
        "emulator_save_ops": stats["save_ops_total"],
        "emulator_library_200s": stats["requests"]
        .get("PUT /spotify/v1/me/library", {})
        .get("200", 0),
    }
    print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
