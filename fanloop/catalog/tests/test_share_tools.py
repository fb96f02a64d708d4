"""The share tools of a release: QR code (SVG), share images from the artwork, links per
channel with UTM tags, the link builder, and the public pre-save counter (editors switch it;
the page then shows the count). Outsiders get 404, viewers cannot switch the counter."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from PIL import Image

from fanloop.catalog.models import Release
from fanloop.catalog.services import publish_release, update_release
from fanloop.catalog.share import qr_svg
from fanloop.catalog.tests.conftest import image_bytes, upload
from fanloop.fans.models import Fan, PreSave


def _pixel(image: Image.Image, at: tuple[int, int]) -> tuple[int, int, int]:
    r, g, b = image.convert("RGB").getpixel(at)  # type: ignore[misc]
    return r, g, b


def _url(name: str, release: Release, **extra: str) -> str:
    kwargs = {"ws": release.artist.workspace.slug, "pk": release.pk, **extra}
    return reverse(f"catalog:{name}", kwargs=kwargs)


def test_the_share_page_has_the_qr_code_images_and_a_link_per_channel(viewer_client, release):
    page = viewer_client.get(_url("release_share", release)).text
    assert qr_svg(release.short_url) in page
    assert _url("release_share_image", release, kind="square") in page
    links = re.findall(r'<code id="ch-\d+">([^<]+)</code>', page)
    assert len(links) == 7
    query = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert query == {
        "utm_source": ["instagram"],
        "utm_medium": ["social"],
        "utm_campaign": [release.slug],
    }


def test_the_qr_code_downloads_as_svg(viewer_client, release):
    response = viewer_client.get(_url("release_share_qr", release))
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="first-light-qr.svg"'
    assert response.content.startswith(b"<svg") and release.short_url.encode() in response.content


@pytest.mark.parametrize(("kind", "size"), [("square", (1080, 1080)), ("story", (1080, 1920))])
def test_share_images_are_made_from_the_artwork(viewer_client, release, kind, size):
    update_release(release, {"artwork": upload(data=image_bytes(color=(0, 120, 255)))})
    response = viewer_client.get(_url("release_share_image", release, kind=kind))
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == size
    # The artwork is in the middle, near the top: its blue is there.
    r, _, b = _pixel(image, (size[0] // 2, int(size[1] * 0.3)))
    assert b > 200 and r < 60
    download = viewer_client.get(_url("release_share_image", release, kind=kind) + "?download=1")
    assert download["Content-Disposition"] == f'attachment; filename="first-light-{kind}.jpg"'


def test_a_share_image_without_artwork_uses_the_accent(viewer_client, release):
    update_release(release, {"accent_color": "#ff0000"})
    response = viewer_client.get(_url("release_share_image", release, kind="square"))
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    r, g, b = _pixel(image, (5, 5))
    assert r > 240 and g < 20 and b < 20


def test_an_unknown_image_kind_is_404(viewer_client, release):
    assert viewer_client.get(_url("release_share_image", release, kind="banner")).status_code == 404


def test_the_link_builder_tags_the_page_link(viewer_client, release):
    url = _url("release_share", release) + "?source=discord&medium=community&campaign=launch"
    page = viewer_client.get(url).text
    built = re.search(r'<code id="built-link">([^<]+)</code>', page)
    assert built
    assert built.group(1).replace("&amp;", "&") == (
        f"{release.public_url}?utm_source=discord&utm_medium=community&utm_campaign=launch"
    )


def test_the_link_builder_refuses_odd_values(viewer_client, release):
    response = viewer_client.get(_url("release_share", release) + "?source=a b&medium=")
    assert response.status_code == 400
    assert "Source: 1 to 100 letters" in response.text and "Medium: 1 to 100" in response.text
    assert 'id="built-link"' not in response.text


def test_an_editor_switches_the_public_counter_and_the_page_shows_it(editor_client, release):
    publish_release(release)
    fans = [Fan.objects.create(workspace=release.artist.workspace) for _ in range(3)]
    for fan in fans:
        PreSave.objects.create(release=release, fan=fan, platform="spotify")
    PreSave.objects.create(release=release, fan=fans[0], platform="deezer")  # one fan, once
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), tick=False):
        assert "fans have pre-saved" not in Client().get(release.public_path).text
        response = editor_client.post(_url("release_presave_counter", release), {"show": "1"})
        assert response.status_code == 302
        release.refresh_from_db()
        assert release.show_presave_count
        assert "<b>3</b> fans have pre-saved" in Client().get(release.public_path).text
        editor_client.post(_url("release_presave_counter", release), {"show": "0"})
        release.refresh_from_db()
        assert not release.show_presave_count


def test_viewers_cannot_switch_the_counter_and_it_needs_post_and_csrf(
    viewer_client, owner, release
):
    assert (
        viewer_client.post(_url("release_presave_counter", release), {"show": "1"}).status_code
        == 403
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    assert strict.post(_url("release_presave_counter", release), {"show": "1"}).status_code == 403
    release.refresh_from_db()
    assert not release.show_presave_count


SHARE_PAGES = [
    ("release_share", {}),
    ("release_share_qr", {}),
    ("release_share_image", {"kind": "square"}),
    ("release_presave_counter", {}),
]


@pytest.mark.parametrize(("name", "extra"), SHARE_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_share_tools_are_404_for_outsiders(outsider_client, release, name, extra, method):
    response = getattr(outsider_client, method)(_url(name, release, **extra), {"show": "1"})
    assert response.status_code == 404
    release.refresh_from_db()
    assert not release.show_presave_count


@pytest.mark.parametrize(("name", "extra"), SHARE_PAGES)
def test_share_tools_send_anonymous_visitors_to_login(release, name, extra):
    response = Client().get(_url(name, release, **extra))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
