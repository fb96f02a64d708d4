"""Script typed into any text field is shown as text on every dashboard page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fanloop.catalog.services import create_artist, create_release

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def hostile(workspace):
    artist = create_artist(workspace, name=f"Evil {SCRIPT}")
    return create_release(
        artist,
        {
            "title": f"Title {SCRIPT}",
            "description": f"Description {SCRIPT}",
            "label_line": f"Label {SCRIPT}",
            "release_date": dt.date(2026, 12, 4),
        },
        [{"title": f"Track {SCRIPT}"}],
    )


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "artist_list",
        "release_detail",
        "release_edit",
        "artist_edit",
        "artist_delete",
        "release_delete",
    ],
)
def test_it_escapes_script_everywhere(owner_client, hostile, name):
    kwargs = {"ws": hostile.artist.workspace.slug}
    if name.startswith("release_"):
        kwargs["pk"] = hostile.pk
    elif name.startswith("artist_") and name != "artist_list":
        kwargs["pk"] = hostile.artist.pk
    content = owner_client.get(reverse(f"catalog:{name}", kwargs=kwargs)).content.decode()
    assert SCRIPT not in content
    assert "&lt;script&gt;" in content
