"""The insights pages: viewers see them, outsiders get 404, anonymous visitors the login;
the date range is validated; every table has a formula-safe CSV and the same in JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from fanloop.accounts.models import Workspace
from fanloop.catalog.models import Artist, Release
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans import presaves
from fanloop.fans.models import Fan, PreSave
from fanloop.insights import rollup

RELEASE_DAY = dt.date(2026, 3, 6)


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="The Views")


@pytest.fixture
def release(artist: Artist) -> Release:
    return create_release(artist, {"title": "Seen", "release_date": RELEASE_DAY}, [])


def _endpoints(workspace: Workspace, release: Release, artist: Artist) -> list[str]:
    ws, pk = workspace.slug, release.pk
    return [
        f"/w/{ws}/releases/{pk}/funnel/",
        f"/w/{ws}/releases/{pk}/funnel.csv",
        f"/w/{ws}/releases/{pk}/funnel.json",
        f"/w/{ws}/insights/leverage/?artist={artist.pk}",
        f"/w/{ws}/insights/leverage.csv",
        f"/w/{ws}/insights/leverage.json",
        f"/w/{ws}/releases/{pk}/report/",
        f"/w/{ws}/insights/artists/{artist.pk}/report/",
        f"/w/{ws}/insights/score-weights/",
        f"/w/{ws}/insights/artists/{artist.pk}/audience/",
        f"/w/{ws}/insights/artists/{artist.pk}/audience.csv",
        f"/w/{ws}/insights/artists/{artist.pk}/forecast/",
        f"/w/{ws}/insights/artists/{artist.pk}/forecast.csv",
    ]


def test_every_insights_page_is_listed_here(workspace, release, artist):
    insights = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "insights"
    )
    assert len(insights.url_patterns) == len(_endpoints(workspace, release, artist))


@pytest.mark.parametrize("index", range(13))
def test_outsiders_get_404_and_anonymous_visitors_the_login(
    outsider_client: Client, workspace, release, artist, index
):
    url = _endpoints(workspace, release, artist)[index]
    assert outsider_client.get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("index", range(13))
def test_viewers_see_every_page_and_posts_are_refused(
    viewer_client: Client, workspace, release, artist, index
):
    url = _endpoints(workspace, release, artist)[index]
    assert viewer_client.get(url).status_code == 200
    # Only the score's recalibration and the audience import take a POST, from editors
    # and owners.
    takes_post = "score-weights" in url or url.endswith("/audience/")
    assert viewer_client.post(url).status_code == (403 if takes_post else 405)


def test_another_workspaces_release_and_artist_are_404(owner_client, workspace, outsider):
    theirs = create_artist(outsider.memberships.get().workspace, name="Mallory")
    their_release = create_release(theirs, {"title": "Secret", "release_date": RELEASE_DAY}, [])
    mine = workspace.slug
    assert owner_client.get(f"/w/{mine}/releases/{their_release.pk}/funnel/").status_code == 404
    assert owner_client.get(f"/w/{mine}/insights/leverage/?artist={theirs.pk}").status_code == 404
    assert owner_client.get(f"/w/{mine}/insights/leverage/?artist=x1").status_code == 404


def test_the_date_range_is_validated(owner_client, workspace, release):
    url = f"/w/{workspace.slug}/releases/{release.pk}/funnel/"
    response = owner_client.get(url, {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    response = owner_client.get(url, {"start": "2020-01-01", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "at most 731 days" in response.content.decode()
    response = owner_client.get(url, {"start": "not a date", "by": "nope"})
    assert response.status_code == 400
    json = owner_client.get(url.replace("funnel/", "funnel.json"), {"end": "2000-01-01"})
    assert json.status_code == 400 and "errors" in json.json()


def _presave(workspace: Workspace, release: Release, email: str, source: str) -> None:
    fan = Fan.objects.create(workspace=workspace, email=email)
    attribution = presaves.Attribution(utm_source=source, country="DE")
    presaves.record_presave(fan, release, PreSave.EMAIL_ONLY, attribution=attribution)


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_of_every_table_is_formula_safe(owner_client, workspace, release):
    _presave(workspace, release, "a@example.org", '=HYPERLINK("http://evil.example","x")')
    _presave(workspace, release, "b@example.org", "newsletter")
    rollup.catch_up(settle_seconds=0)
    base = f"/w/{workspace.slug}/releases/{release.pk}/funnel"
    today = dt.date.today().isoformat()
    query = {"start": "2025-06-01", "end": today, "by": "source"}
    page = owner_client.get(base + "/", query).content.decode()
    assert "By source" in page and "newsletter" in page
    stages = _csv(owner_client.get(base + ".csv", query))
    assert stages[0][0] == "stage"
    assert ["Pre-saves (fans)", "2", "", "", ""] in stages
    rows = _csv(owner_client.get(base + ".csv", {**query, "table": "breakdown"}))
    sources = {row[0]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","x")' in sources
    assert sources["newsletter"][3] == "1"  # one pre-save
    data = owner_client.get(base + ".json", query).json()
    assert {row["stage"]: row["count"] for row in data["stages"]}["presaves"] == 2
    platforms = _csv(owner_client.get(base + ".csv", {**query, "table": "platforms"}))
    assert platforms == [["platform", "pre-saves"], ["email", "2"]]
    leverage = _csv(owner_client.get(f"/w/{workspace.slug}/insights/leverage.csv"))
    assert leverage[0][0] == "action on N" and len(leverage) == 8


def test_the_release_page_links_its_funnel(owner_client, workspace, release):
    page = owner_client.get(f"/w/{workspace.slug}/releases/{release.pk}/").content.decode()
    assert f"/w/{workspace.slug}/releases/{release.pk}/funnel/" in page
    assert f"/w/{workspace.slug}/insights/leverage/?artist={release.artist_id}" in page
    assert f"/w/{workspace.slug}/releases/{release.pk}/report/" in page


def test_the_reports_hold_the_funnel_and_the_impact_table(owner_client, workspace, artist, release):
    _presave(workspace, release, "r@example.org", "newsletter")
    rollup.catch_up(settle_seconds=0)
    for url in (
        f"/w/{workspace.slug}/releases/{release.pk}/report/",
        f"/w/{workspace.slug}/insights/artists/{artist.pk}/report/",
    ):
        text = owner_client.get(url).content.decode()
        assert "Funnel of Seen" in text
        assert 'data-stage="presaves"' in text
        assert '<table id="impact">' in text or "At least two releases" in text
        assert "insights.css" in text  # the print stylesheet


def test_the_leverage_page_fills_the_impact_table(owner_client, workspace, artist, release):
    soon = dt.date.today() + dt.timedelta(days=10)
    later = create_release(artist, {"title": "Next", "release_date": soon}, [])
    for n in range(3):
        _presave(workspace, release, f"f{n}@example.org", "tiktok")
    back = Fan.objects.get(email="f0@example.org")
    presaves.record_presave(back, later, PreSave.EMAIL_ONLY)
    rollup.catch_up(settle_seconds=0)
    page = owner_client.get(f"/w/{workspace.slug}/insights/leverage/", {"artist": artist.pk})
    text = page.content.decode()
    assert "1 of 3 known fans acted on the next release" in text
    assert "Fans who only pre-saved on Seen were 1.0 times as likely" in text
    assert "Wilson score interval" in text
    assert '<td class="num">3</td>' in text  # the tiktok source row
    assert later.title in text
    assert "1 of them still inside the 30 days after the later release" in text
    sources = _csv(
        owner_client.get(
            f"/w/{workspace.slug}/insights/leverage.csv", {"artist": artist.pk, "table": "sources"}
        )
    )
    assert sources[0][0] == "source"
    assert sources[1][:3] == ["tiktok", "3", "1"]


def test_the_default_range_covers_the_campaign_of_an_old_release(owner_client, workspace, artist):
    old = create_release(artist, {"title": "Old", "release_date": dt.date(2021, 5, 1)}, [])
    response = owner_client.get(f"/w/{workspace.slug}/releases/{old.pk}/funnel/", {"by": "device"})
    assert response.status_code == 200
    assert "to 30 Jun 2021" in response.content.decode()  # release day + 60 days
