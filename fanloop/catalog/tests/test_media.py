"""/media/ serves uploaded images under MEDIA_ROOT, cacheable forever, and nothing else."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from fanloop.catalog.services import update_release
from fanloop.catalog.tests.conftest import upload


@pytest.fixture
def artwork_url(release):
    update_release(release, {"artwork": upload()})
    return release.artwork.url


def test_it_serves_artwork_with_long_cache_headers(db, artwork_url):
    response = Client().get(artwork_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.getvalue()[:3] == b"\xff\xd8\xff"  # the JPEG magic number


def test_it_answers_head_and_conditional_requests(db, artwork_url):
    client = Client()
    last_modified = client.head(artwork_url)["Last-Modified"]
    assert client.get(artwork_url, headers={"If-Modified-Since": last_modified}).status_code == 304


def test_it_refuses_post(db, artwork_url):
    assert Client().post(artwork_url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/media/artwork/missing.jpg",
        "/media/../secret_key.jpg",
        "/media/%2e%2e/%2e%2e/etc/passwd.jpg",
        "/media/artwork/..%2f..%2fx.jpg",
        "/media/.hidden.jpg",
        "/media/artwork/",
        "/media/artwork\\..\\x.jpg",
    ],
)
def test_it_refuses_missing_and_escaping_paths(db, path):
    assert Client().get(path).status_code == 404


def test_it_refuses_files_that_are_not_images(db, _media_root):
    _media_root.mkdir(parents=True, exist_ok=True)
    (_media_root / "export.csv").write_text("email\nfan@example.org\n")
    (_media_root / "page.html").write_text("<script>alert(1)</script>")
    assert Client().get("/media/export.csv").status_code == 404
    assert Client().get("/media/page.html").status_code == 404


def test_it_refuses_symlinks_leading_out_of_media_root(db, _media_root, tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"\xff\xd8\xffsecret")
    _media_root.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, _media_root / "link.jpg")
    assert Client().get("/media/link.jpg").status_code == 404
