"""``fanloop rollup [--rebuild]``: fold the fan event log into the facts table, recompute
the stored leverage groups that went out of date and count the visitors of closed days."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fanloop.insights import daily_visitors, leverage_results, rollup


class Command(BaseCommand):
    help = "Fold new fan events into the per-fan, per-release facts (--rebuild: from scratch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="empty the facts and fold every event again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every event, however young: a command is run by someone who wants it all now.
        if options["rebuild"]:
            done = rollup.rebuild(settle_seconds=0)
        else:
            done = rollup.catch_up(settle_seconds=0)
        self.stdout.write(
            f"{done.events} events folded, {done.pairs} fan-release rows rebuilt, "
            f"mark at event {done.mark}"
        )
        artists = leverage_results.refresh_stale()
        releases = daily_visitors.catch_up()
        self.stdout.write(
            f"leverage of {artists} artists recomputed, visitors counted for {releases} releases"
        )
