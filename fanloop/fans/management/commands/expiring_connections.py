"""``fanloop expiring_connections``: pre-savers to ask for a reconnect before release day.

For each upcoming release (or one, with ``--release``), lists the Spotify connections of
its pre-savers whose refresh token expires before the release's first instant, and the
connections that already need a reconnect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fanloop.catalog.models import Release
from fanloop.fans.oauth_tokens import (
    expiring_connections,
    reconnect_needed_connections,
    upcoming_releases,
)


class Command(BaseCommand):
    help = "List connections whose refresh token expires before each upcoming release."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--release", type=int, help="only this release (id)")
        parser.add_argument(
            "--days", type=int, help="only releases going live within this many days"
        )
        parser.add_argument("--workspace", help="only releases of this workspace (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        releases = Release.objects.select_related("artist", "artist__workspace")
        if options["workspace"]:
            releases = releases.filter(artist__workspace__slug=options["workspace"])
        if options["release"] is not None:
            release = releases.filter(pk=options["release"]).first()
            if release is None:
                raise CommandError(f"No release with id {options['release']}.")
            chosen = [release]
        else:
            days = options["days"]
            if days is not None and days < 0:
                raise CommandError("--days must be zero or more.")
            within = dt.timedelta(days=days) if days is not None else None
            chosen = upcoming_releases(releases, within=within)
        if not chosen:
            self.stdout.write("No upcoming release.")
            return
        total = 0
        for release in chosen:
            total += self._report(release)
        self.stdout.write(f"{total} connection(s) to renew in {len(chosen)} release(s).")

    def _report(self, release: Release) -> int:
        first = release.first_instant()
        self.stdout.write(
            f"#{release.pk} {release.artist.name} — {release.title} "
            f"(workspace {release.artist.workspace.slug}, first live {first:%Y-%m-%d %H:%M %Z})"
        )
        count = 0
        for connection in expiring_connections(release):
            # Only platforms with a fixed refresh-token lifetime are listed: always a date.
            expires = connection.refresh_token_expires_at() or first
            self.stdout.write(
                f"  expiring  {connection.platform:<10} fan #{connection.fan_id} {connection.fan}  "
                f"authorized {timezone.localtime(connection.authorized_at):%Y-%m-%d}, "
                f"expires {timezone.localtime(expires):%Y-%m-%d} "
                f"({(first - expires).days} day(s) before release)"
            )
            count += 1
        for connection in reconnect_needed_connections(release):
            self.stdout.write(
                f"  broken    {connection.platform:<10} fan #{connection.fan_id} {connection.fan}  "
                f"{connection.status_reason}"
            )
            count += 1
        if not count:
            self.stdout.write("  none: every pre-saver's connection lasts until release day")
        return count
