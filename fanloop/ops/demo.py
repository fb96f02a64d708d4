"""``fanloop demo``: migrate, seed, then run web, worker, emulator and an SMTP sink together.

Everything runs on the embedded default (SQLite in the data dir); Ctrl-C stops it all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management import call_command

from fanloop.fulfillment.services import schedule_release
from fanloop.ops.demo_audience import (
    play_crowd_acts,
    run_audience,
    seed_crowd,
    seed_platforms,
)
from fanloop.ops.demo_history import seed_history
from fanloop.ops.seed import DEMO_EMAIL, DEMO_PASSWORD, DemoData, seed_demo

# The demo's flow waits and library checks, scaled so days pass in minutes: library checks
# (+1 / +7 / +30 days, scaled the same way) are swept every 20 s.
# No quiet hours either, so fans move through the flows at any time of day.
DEMO_TUNING = (
    "fanloop.flows.steps.WAIT_SCALE=0.0005,"
    "fanloop.flows.verification.VERIFY_SCHEDULE=*/20 * * * * *,"
    "fanloop.messaging.sending_rules.DEFAULT_QUIET_HOURS="
)


def _wait_for(url: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                return True
        except OSError as exc:
            # /healthz answers 503 until the worker's first heartbeat: the server is up.
            if getattr(exc, "code", None):
                return True
            time.sleep(0.3)
    return False


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def _seed_release_day(emulator: str, site: str, data: DemoData, size: int) -> None:
    """The crowd pre-saves the release-day release, then its delivery is scheduled."""
    try:
        counts = seed_crowd(emulator, site, data, size)
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"fanloop demo: the release-day crowd could not be created: {exc}", flush=True)
        counts = {}
    schedule_release(data.release_day)
    if counts:
        detail = ", ".join(f"{n} on {platform.title()}" for platform, n in sorted(counts.items()))
        print(
            f"fanloop demo: {sum(counts.values())} fans are waiting for "
            f"“{data.release_day.title}” ({detail})",
            flush=True,
        )


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fanloop demo")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--emulator-port", type=int, default=8900)
    parser.add_argument("--smtp-port", type=int, default=settings.EMAIL_PORT)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-audience", action="store_true", help="no scripted fans")
    parser.add_argument(
        "--release-delay-minutes",
        type=int,
        default=3,
        help="the release-day release goes live this many minutes from now",
    )
    parser.add_argument(
        "--audience-size",
        type=int,
        default=300,
        help="pre-savers of the release-day release",
    )
    parser.add_argument("--exit-after", type=float, default=0, help="stop after N seconds")
    args = parser.parse_args(argv)

    print("fanloop demo: preparing the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    data = seed_demo(delay_minutes=max(1, args.release_delay_minutes))
    started = time.monotonic()
    if seed_history(data.artist, data.released):
        print(
            f"fanloop demo: {data.artist.name}'s last four releases of history seeded in "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )
    site = f"http://127.0.0.1:{args.port}"

    exe = Path(sys.executable).parent / "fanloop"
    emulator = f"http://127.0.0.1:{args.emulator_port}"
    env = {
        **os.environ,
        "SITE_URL": site,
        "EMAIL_PORT": str(args.smtp_port),
        # The demo talks to the emulator, never to the real platforms.
        "PLATFORM_EMULATOR_URL": emulator,
    }
    outbox = Path(settings.DATA_DIR) / "outbox"
    # Flow emails go to the sink, shown on Email → Demo mailbox.
    env["EMAIL_HOST"], env["SMTP_SINK_DIR"] = "127.0.0.1", str(outbox)
    # Flow waits shrink so fans move through every step in minutes (2 days: about 90 s),
    # unless the caller's own FANLOOP_TUNING says otherwise (later pairs win).
    env["FANLOOP_TUNING"] = ",".join(
        part for part in (DEMO_TUNING, os.environ.get("FANLOOP_TUNING", "")) if part
    )
    # The emulator keeps its state across demo runs, like a real platform would.
    snapshot = str(Path(settings.DATA_DIR) / "emulator-snapshot.json")
    sink = [exe, "smtp_sink", "--port", str(args.smtp_port), "--outbox", str(outbox)]
    procs = [
        _spawn([str(part) for part in sink], env),
        _spawn(
            [str(exe), "emulator", "--port", str(args.emulator_port), "--snapshot", snapshot], env
        ),
        _spawn([str(exe), "serve", "--port", str(args.port), "--no-migrate"], env),
        # One worker process: the demo's crowd needs no more, and SQLite one writer less.
        _spawn([str(exe), "worker", "--processes", "1", "--executor-id", "demo-worker-1"], env),
    ]  # fmt: skip

    def stop(*_: object) -> None:
        # Each child leads its own process group, so server workers stop with their master.
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)

    def stop_and_exit(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_and_exit)
    try:
        if not _wait_for(f"{site}/healthz") or not _wait_for(f"{emulator}/_emulator/health"):
            print("fanloop demo: the web server did not start; see the output above", flush=True)
            stop()
            return 1
        seed_platforms(emulator, site, data)
        _seed_release_day(emulator, site, data, 0 if args.no_audience else args.audience_size)
        ws = data.workspace.slug
        live_at = data.release_day.global_instant()
        print(
            "\n".join(
                [
                    "",
                    "fanloop demo is running:",
                    f"  dashboard      {site}/w/{ws}/",
                    f"  log in as      {DEMO_EMAIL} / {DEMO_PASSWORD}",
                    f"  upcoming page  {site}/{data.artist.slug}/{data.upcoming.slug}",
                    f"  released page  {site}/{data.artist.slug}/{data.released.slug}",
                    f"  short link     {site}/r/{data.upcoming.short_code}",
                    "  Spotify, development mode (only listed testers connect; every other fan",
                    f"                 gets the email path): {site}/{data.artist.slug}/"
                    f"{data.upcoming.slug}",
                    "  Spotify, extended mode (every fan connects): "
                    f"{site}/{data.open_artist.slug}/{data.open_upcoming.slug}",
                    f"  release day    “{data.release_day.title}” goes live at "
                    f"{live_at:%H:%M} UTC: watch detection and delivery at",
                    f"                 {site}/w/{ws}/releases/{data.release_day.pk}/delivery/",
                    f"  health         {site}/healthz",
                    f"  admin          {site}/admin/",
                    f"  emulator       {emulator}/_emulator/stats",
                    "  pre-save yourself on the upcoming page: at the emulator, log in as",
                    "                 you@fans.example (Spotify), you-too@fans.example (Deezer)",
                    "                 you-tidal@fans.example (TIDAL) or you-apple@fans.example",
                    "                 (Apple Music), any password",
                    f"  emails         {site}/w/{ws}/email/sink/ (kept in {outbox})",
                    "Press Ctrl-C to stop.",
                    "",
                ]
            ),
            flush=True,
        )
        if not args.no_audience:
            threading.Thread(
                target=run_audience, args=(site, data.upcoming.pk), daemon=True
            ).start()
            threading.Thread(
                target=play_crowd_acts, args=(emulator, data, args.audience_size), daemon=True
            ).start()
        if not args.no_browser:
            webbrowser.open(f"{site}/accounts/login/?next=/w/{ws}/")
        started = time.monotonic()
        while all(proc.poll() is None for proc in procs):
            if args.exit_after and time.monotonic() - started > args.exit_after:
                break
            time.sleep(0.5)
        failed = [proc.args for proc in procs if proc.poll() not in (None, 0)]
        if failed:
            print(f"fanloop demo: a process stopped: {failed}", flush=True)
            return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
