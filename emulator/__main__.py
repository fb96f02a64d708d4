"""``python -m emulator`` / ``fanloop emulator``: serve the platform emulator with granian.

One worker on purpose: the state lives in that process's memory; concurrency comes from
asyncio. Options reach granian's worker through EMULATOR_* environment variables.
"""

from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emulator", description="Spotify, Apple Music, Deezer and TIDAL emulator on one port."
    )
    parser.add_argument("--host", default=os.environ.get("EMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", "8900")))
    parser.add_argument(
        "--snapshot",
        default=os.environ.get("EMULATOR_SNAPSHOT"),
        help="JSON file: state is loaded from it at start, saved to it on stop",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=int(os.environ.get("EMULATOR_SEED", "0")),
        help="seed of the fault injector's random sequence",
    )
    parser.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ["EMULATOR_SEED"] = str(args.seed)
    if args.snapshot:
        os.environ["EMULATOR_SNAPSHOT"] = os.path.abspath(args.snapshot)
    # The worker process must find this package whatever the current directory is.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    if root not in sys.path:
        sys.path.insert(0, root)

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    server = Granian(
        "emulator.app:create_app",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=1,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels(args.log_level),
        log_access=False,
    )
    print(f"emulator: serving on http://{args.host}:{args.port}", flush=True)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
