"""The workspace home: per-release numbers, what needs attention, the setup checklist.

The numbers and most attention items live in higher apps (the fan event log, fans'
connections, deliveries). Each registers its part here in ``AppConfig.ready``
(``fanloop.lib.panels`` explains the pattern); the home view asks every part once per page,
so the page costs the same few queries however many releases it lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.release_urls import PLATFORMS
from fanloop.platforms.base import AppMode
from fanloop.platforms.models import PlatformApp

# "This week" on the home: the change over the last seven days.
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class ReleaseNumbers:
    """Distinct fans per measure, all time and over the last week. ``saves`` and
    ``follows`` count only the fans' own acts; fanloop's release-day save is ``delivered``."""

    presaves: int = 0
    delivered: int = 0
    saves: int = 0
    follows: int = 0
    presaves_week: int = 0
    delivered_week: int = 0
    saves_week: int = 0
    follows_week: int = 0


@dataclass(frozen=True)
class Attention:
    """One thing a member should look at: a sentence and where to act on it."""

    text: str
    url: str
    action: str


# (workspace, releases on the page, start of "this week") -> numbers per release id
NumbersSource = Callable[[Workspace, Sequence[Release], dt.datetime], Mapping[int, ReleaseNumbers]]
# (workspace, now) -> the items a higher app wants looked at
AttentionSource = Callable[[Workspace, dt.datetime], list[Attention]]
# (workspace) -> whether a published page has been opened by a fan (the link went out)
SharedSource = Callable[[Workspace], bool]


class HomeParts:
    def __init__(self) -> None:
        self.numbers: NumbersSource | None = None
        self.shared: SharedSource | None = None
        self._attention: dict[str, tuple[int, AttentionSource]] = {}

    def register_attention(self, name: str, position: int, source: AttentionSource) -> None:
        self._attention[name] = (position, source)

    def release_numbers(
        self, workspace: Workspace, releases: Sequence[Release], since: dt.datetime
    ) -> Mapping[int, ReleaseNumbers]:
        if self.numbers is None or not releases:
            return {}
        return self.numbers(workspace, releases, since)

    def attention(self, workspace: Workspace, now: dt.datetime) -> list[Attention]:
        ordered = sorted(self._attention.items(), key=lambda item: (item[1][0], item[0]))
        items = platform_app_attention(workspace)
        for _, (_, source) in ordered:
            items.extend(source(workspace, now))
        return items

    def is_shared(self, workspace: Workspace) -> bool:
        return self.shared is not None and self.shared(workspace)


home_parts = HomeParts()


def _platform_apps_url(workspace: Workspace) -> str:
    return reverse("platforms:app_list", kwargs={"ws": workspace.slug})


def platforms_without_app(workspace: Workspace) -> list[str]:
    """Names of the platforms a release page offers a pre-save on with no active app (fans
    there meet "not open" or the email reminder). One query."""
    active = set(
        PlatformApp.objects.filter(workspace=workspace, active=True).values_list(
            "platform", flat=True
        )
    )
    return [p.name for p in PLATFORMS if p.key not in active]


def platform_app_attention(workspace: Workspace) -> list[Attention]:
    """Missing platform apps and apps still in development mode (a user cap). One query."""
    apps = list(
        PlatformApp.objects.filter(workspace=workspace, active=True).values_list(
            "platform", "mode", "name", "client_id"
        )
    )
    url = _platform_apps_url(workspace)
    items: list[Attention] = []
    have = {platform for platform, *_ in apps}
    missing = [p.name for p in PLATFORMS if p.key not in have]
    if missing:
        items.append(
            Attention(
                f"No active app for {_join(missing)}: fans cannot pre-save there.",
                url,
                "Add a platform app",
            )
        )
    names = {p.key: p.name for p in PLATFORMS}
    for platform, mode, name, client_id in apps:
        if mode == AppMode.DEVELOPMENT:
            label = name or client_id
            items.append(
                Attention(
                    f"The {names.get(platform, platform)} app “{label}” is in development "
                    "mode: only the few users it allows can pre-save.",
                    url,
                    "Review platform apps",
                )
            )
    return items


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    url: str
    action: str


def setup_checklist(workspace: Workspace) -> list[Step]:
    """The steps from an empty workspace to a shared page (one query, plus the shared check
    of the analytics app once a page is published)."""
    releases = Release.objects.filter(artist__workspace=OuterRef("pk"))
    flags = (
        Workspace.objects.filter(pk=workspace.pk)
        .annotate(
            has_artist=Exists(Artist.objects.filter(workspace=OuterRef("pk"))),
            has_release=Exists(releases),
            has_app=Exists(PlatformApp.objects.filter(workspace=OuterRef("pk"), active=True)),
            has_published=Exists(releases.filter(published=True)),
        )
        .values("has_artist", "has_release", "has_app", "has_published")
        .get()
    )
    ws = workspace.slug
    # Publishing and sharing happen on a release's page: the drafts, or every release.
    home = reverse("catalog:dashboard", kwargs={"ws": ws})
    drafts = f"{home}?status=draft"
    shared = bool(flags["has_published"]) and home_parts.is_shared(workspace)
    return [
        Step(
            "artist",
            "Add the artist",
            bool(flags["has_artist"]),
            reverse("catalog:artist_create", kwargs={"ws": ws}),
            "Add an artist",
        ),
        Step(
            "release",
            "Create a release",
            bool(flags["has_release"]),
            reverse("catalog:release_create", kwargs={"ws": ws}),
            "Create a release",
        ),
        Step(
            "apps",
            "Connect a platform app",
            bool(flags["has_app"]),
            _platform_apps_url(workspace),
            "Add a platform app",
        ),
        Step(
            "publish",
            "Publish the release's page",
            bool(flags["has_published"]),
            drafts,
            "Open a draft to publish it",
        ),
        Step(
            "share",
            "Share the link with fans (done when a fan opens the page)",
            shared,
            f"{home}?status=published",
            "Open a release to copy its link",
        ),
    ]
