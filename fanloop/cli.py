"""The ``fanloop`` console command.

fanloop serve [--port 8000] [--workers 2]   multi-process web server (granian)
fanloop worker [--executor-id ID] [--processes N]
                                            DBOS worker: queues, schedules, heartbeat
                                            (N processes; default one per CPU core)
fanloop emulator [--port 8900]              the platform emulator (standalone service)
fanloop demo                                migrate, seed, start everything, open a browser
fanloop <django command> ...                any Django management command
"""

from __future__ import annotations

import argparse
import os
import sys

SERVICE_COMMANDS = {"serve", "worker", "emulator", "demo"}


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
    import django

    django.setup()
    from fanloop.lib.heap import freeze_start_up

    freeze_start_up()


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fanloop serve", description=serve.__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")
    args = parser.parse_args(argv)
    _django_setup()
    from django.conf import settings
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    cmd = [
        granian, "--interface", "wsgi", "--host", args.host, "--port", str(args.port),
        "--workers", str(args.workers), "--blocking-threads", "4",
        "--no-ws", "fanloop.wsgi:application",
    ]  # fmt: skip
    print(f"fanloop: serving on http://{args.host}:{args.port} with {args.workers} workers")
    sys.stdout.flush()
    os.execv(granian, cmd)  # noqa: S606 - replace this process with the server
    return 0  # pragma: no cover - execv does not return


def worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fanloop worker")
    parser.add_argument("--executor-id", default=None, help="stable id of this worker")
    parser.add_argument(
        "--processes", type=int, default=None,
        help="worker processes to run (default WORKER_PROCESSES; 0 = one per CPU core); "
        "with more than one, each gets the id <executor-id>-<n>",
    )  # fmt: skip
    args = parser.parse_args(argv)
    _django_setup()
    from django.conf import settings

    from fanloop.ops.supervisor import Supervisor, worker_processes
    from fanloop.ops.worker import default_executor_id, run_worker

    try:
        count = worker_processes(args.processes, settings.WORKER_PROCESSES)
    except ValueError as exc:
        parser.error(str(exc))
    if count == 1:
        run_worker(executor_id=args.executor_id)
        return 0
    return Supervisor(args.executor_id or default_executor_id(), count).run()


def emulator(argv: list[str]) -> int:
    from emulator.__main__ import main as emulator_main

    return emulator_main(argv) or 0


def demo(argv: list[str]) -> int:
    _django_setup()
    from fanloop.ops.demo import run_demo

    return run_demo(argv)


def manage(argv: list[str]) -> int:
    _django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fanloop", *argv])
    return 0


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        sys.exit(0)
    command, rest = argv[0], argv[1:]
    if command == "manage":
        sys.exit(manage(rest))
    if command in SERVICE_COMMANDS:
        handlers = {"serve": serve, "worker": worker, "emulator": emulator, "demo": demo}
        sys.exit(handlers[command](rest))
    sys.exit(manage(argv))


if __name__ == "__main__":
    main()
