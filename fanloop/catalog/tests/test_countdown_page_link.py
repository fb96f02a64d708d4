"""The artist pastes their Spotify Countdown Page link on the release: the Spotify adapter
checks its form (https://open.spotify.com/prerelease/<22 base62>) and the release keeps the
canonical link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fanloop.catalog.models import Release
from fanloop.platforms.spotify import countdown_page_link

from .test_release_edit import _post_data

ID = "4BZmdFJxc4sxUmnCtqgjtq"
CANONICAL = f"https://open.spotify.com/prerelease/{ID}"


@pytest.mark.parametrize(
    "pasted",
    [
        CANONICAL,
        f"{CANONICAL}?si=_X-0BQM7RK-2SxOt6f5hlA",
        f"https://open.spotify.com/intl-de/prerelease/{ID}",
        f"  {CANONICAL}/  ",
    ],
)
def test_it_accepts_the_share_menu_forms(pasted: str) -> None:
    assert countdown_page_link(pasted) == CANONICAL


@pytest.mark.parametrize(
    "pasted",
    [
        f"http://open.spotify.com/prerelease/{ID}",
        f"https://open.spotify.com/album/{ID}",
        f"https://evil.example/prerelease/{ID}",
        "https://open.spotify.com/prerelease/short",
        f"https://open.spotify.com.evil.example/prerelease/{ID}",
        f"spotify:prerelease:{ID}",
    ],
)
def test_it_refuses_anything_else(pasted: str) -> None:
    with pytest.raises(ValueError, match="Countdown Page link"):
        countdown_page_link(pasted)


def _url(release: Release) -> str:
    return reverse(
        "catalog:release_edit", kwargs={"ws": release.artist.workspace.slug, "pk": release.pk}
    )


def test_an_editor_pastes_it_and_the_release_keeps_the_canonical_link(editor_client, release):
    data = _post_data(release, in_app_presave_url=f"{CANONICAL}?si=abc")
    assert editor_client.post(_url(release), data).status_code == 302
    release.refresh_from_db()
    assert release.in_app_presave_url == CANONICAL
    detail = reverse(
        "catalog:release_detail",
        kwargs={"ws": release.artist.workspace.slug, "pk": release.pk},
    )
    shown = editor_client.get(detail).content.decode()
    assert f'<code id="in-app-presave">{CANONICAL}</code>' in shown
    bad = editor_client.post(
        _url(release),
        _post_data(release, in_app_presave_url=f"https://open.spotify.com/album/{ID}"),
    )
    assert bad.status_code == 400
    assert "Paste the Countdown Page link" in bad.content.decode()
    release.refresh_from_db()
    assert release.in_app_presave_url == CANONICAL
    assert editor_client.post(_url(release), _post_data(release)).status_code == 302
    release.refresh_from_db()
    assert release.in_app_presave_url == ""  # an empty field clears it


def test_a_viewer_or_an_outsider_cannot_set_it(viewer_client, outsider_client, release):
    data = _post_data(release, in_app_presave_url=CANONICAL)
    assert viewer_client.post(_url(release), data).status_code == 403
    assert outsider_client.post(_url(release), data).status_code in (403, 404)
    release.refresh_from_db()
    assert release.in_app_presave_url == ""
