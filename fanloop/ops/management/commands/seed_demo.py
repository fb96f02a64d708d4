from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fanloop.ops.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspace, user, artist and releases."

    def handle(self, *args: Any, **options: Any) -> None:
        data = seed_demo()
        self.stdout.write(
            f"demo workspace {data.workspace.slug!r}: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
        )
