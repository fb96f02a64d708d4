"""Where a public page's buttons lead: listen and pre-save links per streaming platform.

Listen URLs are only ever built from ids and artist links stored by members,
never from request input, so the click redirect cannot be an open redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.urls import reverse

from fanloop.catalog import platform_ids
from fanloop.catalog.models import ListenLink, Release
from fanloop.catalog.share_links import canonical_url
from fanloop.lib.urls import reverse_cached
from fanloop.platforms import listen_services
from fanloop.platforms.registry import INFOS, platform_choices


@dataclass(frozen=True)
class PagePlatform:
    key: str
    name: str
    album_url: str  # format string taking the quoted album id ("": the catalog's link)
    hosts: frozenset[str]  # hosts an artist link may point to


# The platforms whose links the catalog reads (``INFO.share_links``): an album's page from
# its stored id, the hosts of their links.
PLATFORMS: tuple[PagePlatform, ...] = tuple(
    PagePlatform(
        info.key,
        info.label,
        info.share_links.canonical("album", "{}"),
        info.share_links.hosts | frozenset(info.share_links.short_hosts),
    )
    for info in INFOS.values()
    if info.share_links
)
# The registry's other platforms: a pre-save button, a listen link from a stored album id.
PRESAVE_PLATFORMS: tuple[PagePlatform, ...] = PLATFORMS + tuple(
    PagePlatform(key, label, "", frozenset())
    for key, label in platform_choices()
    if key not in {p.key for p in PLATFORMS}
)
BY_KEY = {p.key: p for p in PRESAVE_PLATFORMS}


@dataclass(frozen=True)
class ListenTarget:
    """A service a released page links to: its key (``listen_services``) and button name."""

    key: str
    name: str


def _platform_url(
    platform: PagePlatform, album_ids: dict[str, str], artist_links: dict[str, str]
) -> str | None:
    """The album on ``platform`` by its stored id, else the artist's page there, else None."""
    album_id = album_ids.get(platform.key, "").strip()
    if album_id and platform.album_url:
        return platform.album_url.format(quote(album_id, safe=""))
    if album_id:
        return canonical_url(platform.key, "album", album_id) or None
    artist_url = artist_links.get(platform.key, "").strip()
    parts = urlsplit(artist_url)
    # A stored link to anywhere else (a typo, a phishing page) is not offered to fans.
    if parts.scheme == "https" and (parts.hostname or "") in platform.hosts:
        return artist_url
    return None


def listen_targets(release: Release) -> list[tuple[ListenTarget, str]]:
    """(service, address) of every service the release can be heard on, in the services'
    order: a link a member pasted, else the album found by its id (release detection or
    pasted id), else the artist's page on the platform. Three queries (the pasted links,
    the release's and the artist's ids) unless the ids were prefetched."""
    pasted = {link.service: link for link in ListenLink.objects.filter(release=release)}
    album_ids = platform_ids.release_ids(release)
    artist_links = platform_ids.artist_links(release.artist)
    found: list[tuple[ListenTarget, str]] = []
    for service in listen_services.SERVICES:
        link = pasted.get(service.key)
        if link is not None:
            # Stored before a rule changed: a link the rules refuse now is not offered.
            try:
                url = listen_services.parse_listen_url(service.key, link.url)
            except ValueError:
                url = None
            name = link.label if service.key == listen_services.CUSTOM else service.label
        else:
            platform = BY_KEY.get(service.key)
            url = _platform_url(platform, album_ids, artist_links) if platform is not None else None
            name = platform.name if platform is not None else service.label
        if url is not None:
            found.append((ListenTarget(service.key, name or service.label), url))
    return found


def listen_url(release: Release, key: str) -> str | None:
    """Where the listen link of service ``key`` leads, or None."""
    return next((url for target, url in listen_targets(release) if target.key == key), None)


def listen_links(release: Release) -> list[tuple[ListenTarget, str]]:
    """(service, click-tracking path) for each service the release can be heard on."""
    args = {"artist_slug": release.artist.slug, "release_slug": release.slug}
    return [
        (target, reverse_cached("campaigns:listen", **args, platform=target.key))
        for target, _url in listen_targets(release)
    ]


def presave_links(release: Release) -> list[tuple[PagePlatform, str]]:
    """(platform, path) of the pre-save button of every supported platform: the start of
    its connect flow (the same for every visitor, so the page stays cacheable)."""
    return [
        (p, f"{reverse('campaigns:oauth_start', args=[p.key])}?release={release.pk}")
        for p in PRESAVE_PLATFORMS
    ]


def page_path(release: Release) -> str:
    return reverse(
        "campaigns:release_page",
        kwargs={"artist_slug": release.artist.slug, "release_slug": release.slug},
    )


def short_path(release: Release) -> str:
    return reverse("campaigns:short_link", kwargs={"code": release.short_code})
