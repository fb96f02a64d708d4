"""Followers and listeners over time: the audience export import (valid, per-line errors,
refused whole, idempotent), the release-over-release numbers from seeded facts, the
forecast's arithmetic, and who may read, upload and see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fanloop.accounts.models import User, Workspace
from fanloop.catalog.models import Artist
from fanloop.catalog.services import create_artist, create_release
from fanloop.fans.models import Fan
from fanloop.insights import audience, loop
from fanloop.insights.models import AudiencePoint, ReleaseFacts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
VALID = b"date,followers,listeners,streams\n2026-05-01,1000,300,600\n2026-05-02,1010,,620\n"


@pytest.fixture
def artist(workspace: Workspace) -> Artist:
    return create_artist(workspace, name="Loop Band")


def points(artist: Artist) -> dict[tuple[str, str, dt.date], int]:
    return {
        (p.source, p.metric, p.day): p.value for p in AudiencePoint.objects.filter(artist=artist)
    }


# --- import --------------------------------------------------------------------------------


def test_a_valid_export_is_stored_per_day_source_and_metric(artist: Artist) -> None:
    result = audience.import_export(artist, "spotify_for_artists", VALID, NOW)
    assert (result.days, result.points, result.replaced) == (2, 5, 0)
    s4a = "spotify_for_artists"
    assert points(artist) == {
        (s4a, "followers", dt.date(2026, 5, 1)): 1000,
        (s4a, "listeners", dt.date(2026, 5, 1)): 300,
        (s4a, "streams", dt.date(2026, 5, 1)): 600,
        (s4a, "followers", dt.date(2026, 5, 2)): 1010,
        (s4a, "streams", dt.date(2026, 5, 2)): 620,
    }


def test_each_source_reads_its_own_header_names(artist: Artist) -> None:
    audience.import_export(artist, "deezer_for_creators", b"Date,Fans\n2026-05-01,42\n", NOW)
    audience.import_export(artist, "apple_music_for_artists", b"DATE, Plays\n2026-05-01,7\n", NOW)
    assert points(artist) == {
        ("deezer_for_creators", "followers", dt.date(2026, 5, 1)): 42,
        ("apple_music_for_artists", "streams", dt.date(2026, 5, 1)): 7,
    }


def test_reimporting_overwrites_the_same_day_source_and_metric(artist: Artist) -> None:
    audience.import_export(artist, "spotify_for_artists", VALID, NOW)
    again = b"date,followers\n2026-05-02,1020\n2026-05-03,1030\n"
    result = audience.import_export(artist, "spotify_for_artists", again, NOW)
    assert (result.days, result.points, result.replaced) == (2, 2, 1)
    stored = points(artist)
    assert stored[("spotify_for_artists", "followers", dt.date(2026, 5, 2))] == 1020
    assert stored[("spotify_for_artists", "streams", dt.date(2026, 5, 2))] == 620  # untouched
    assert len(stored) == 6
    audience.import_export(artist, "spotify_for_artists", again, NOW)
    assert points(artist) == stored  # the same file twice: the same rows


def test_an_invalid_export_is_refused_whole_with_an_error_per_line(artist: Artist) -> None:
    audience.import_export(artist, "spotify_for_artists", VALID, NOW)
    before = points(artist)
    bad = (
        b"date,followers,listeners\n"
        b"2026-05-02,9999,1\n"  # valid: must not be written either
        b"31/05/2026,5,1\n"
        b"2026-05-04,-3,1\n"
        b"2026-05-05,12.5,\xc2\xb2\n"
        b"2026-05-02,1,1\n"
        b"2026-05-06,1\n"
        b"2026-07-01,1,1\n"
    )
    with pytest.raises(audience.InvalidExport) as caught:
        audience.import_export(artist, "spotify_for_artists", bad, NOW)
    assert caught.value.errors == [
        "line 3: date '31/05/2026' is not a date like 2026-03-31.",
        "line 4: followers '-3' is not a whole number of at least 0.",
        "line 5: followers '12.5' is not a whole number of at least 0.",
        "line 5: listeners '\u00b2' is not a whole number of at least 0.",
        "line 6: date 2026-05-02 is already on line 2.",
        "line 7: 2 cells where the header has 3.",
        "line 8: date 2026-07-01 is in the future.",
    ]
    assert points(artist) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "The file is empty: line 1 must be the header."),
        (b"date,fans\n2026-05-01,1\n", "line 1: column 2 'fans' is not one of:"),
        (b"date,streams,Streams\n", "line 1: column 'Streams' appears twice."),
        (b"followers\n1\n", "line 1: the header has no date column."),
        (b"date\n2026-05-01\n", "line 1: the header has no followers, listeners or streams"),
        (b"date,streams\n", "The file has a header but no data lines."),
        (b"date,streams\n2026-05-01,\xff\n", "The file is not UTF-8 text"),
    ],
)
def test_header_and_file_errors(artist: Artist, data: bytes, error: str) -> None:
    with pytest.raises(audience.InvalidExport) as caught:
        audience.import_export(artist, "spotify_for_artists", data, NOW)
    assert caught.value.errors[0].startswith(error)
    assert not AudiencePoint.objects.exists()


def test_too_many_lines_or_bytes_are_refused(artist: Artist) -> None:
    lines = [f"{TODAY - dt.timedelta(days=n)},{n}" for n in range(audience.MAX_LINES + 1)]
    data = ("date,streams\n" + "\n".join(lines)).encode()
    with pytest.raises(audience.InvalidExport) as caught:
        audience.import_export(artist, "spotify_for_artists", data, NOW)
    assert f"more than {audience.MAX_LINES} data lines" in caught.value.errors[-1]
    with pytest.raises(audience.InvalidExport):
        audience.parse_export("spotify_for_artists", b"x" * (audience.MAX_UPLOAD_BYTES + 1), TODAY)
    assert not AudiencePoint.objects.exists()


# --- release over release ------------------------------------------------------------------


def seed_three_releases(workspace: Workspace, artist: Artist) -> list[int]:
    """Three releases with follower figures and facts: numbers small enough to check by hand."""
    days = [dt.date(2026, 1, 10), dt.date(2026, 3, 10), dt.date(2026, 5, 10)]
    releases = [
        create_release(artist, {"title": f"R{n + 1}", "release_date": day}, [])
        for n, day in enumerate(days)
    ]
    # Followers: an export on two platforms; the API snapshot loses to the export on a shared day.
    for day, spotify, deezer in [
        (dt.date(2026, 1, 9), 1000, 200),
        (dt.date(2026, 3, 1), 1100, 240),
        (dt.date(2026, 5, 10), 1300, 260),
    ]:
        audience.record_point(artist, "spotify_for_artists", "followers", day, spotify, NOW)
        audience.record_point(artist, "api_deezer", "followers", day, deezer, NOW)
    audience.record_point(artist, "api_spotify", "followers", dt.date(2026, 5, 10), 9999, NOW)
    audience.record_point(artist, "deezer_for_creators", "followers", days[2], 250, NOW)
    # Facts per release: (engaged, of which pre-saved, tracks-only savers, fan follows,
    # follows at delivery, not engaged).
    plan = [(100, 60, 10, 5, 3, 20), (120, 80, 10, 8, 4, 0), (150, 90, 30, 12, 6, 10)]
    n = 0
    when = timezone.now()
    for release, (engaged, presaved, tracks, by_fan, at_delivery, idle) in zip(
        releases, plan, strict=True
    ):
        rows = []
        for i in range(engaged + idle):
            n += 1
            fan = Fan.objects.create(workspace=workspace, email=f"f{n}@example.org")
            rows.append(
                ReleaseFacts(
                    workspace=workspace,
                    artist=artist,
                    release=release,
                    fan=fan,
                    first_act_at=when if i < engaged else None,
                    presaved_at=when if i < presaved else None,
                    tracks_saved=1 if presaved <= i < presaved + tracks else 0,
                    follows_by_fan=1 if i < by_fan else 0,
                    follows_at_delivery=1 if i < at_delivery else 0,
                )
            )
        ReleaseFacts.objects.bulk_create(rows)
    return [r.pk for r in releases]


def test_release_over_release_numbers_from_seeded_facts(
    workspace: Workspace, artist: Artist
) -> None:
    seed_three_releases(workspace, artist)
    rows = loop.releases(artist)
    table = [
        (
            r.release.title,
            r.followers,
            r.growth,
            r.follows_by_fan,
            r.follows_at_delivery,
            r.follows_through_fanloop,
            r.engaged,
            r.savers,
            r.presavers,
        )
        for r in rows
    ]
    assert table == [
        ("R1", 1200, None, 5, 3, 8, 100, 70, 60),
        ("R2", 1340, 140, 8, 4, 12, 120, 90, 80),
        ("R3", 1550, 210, 12, 6, 18, 150, 120, 90),  # Deezer's export (250) beats the API
    ]
    assert rows[1].fanloop_share_of_growth == pytest.approx(12 / 140)


# --- forecast ------------------------------------------------------------------------------


def fixed(mid: float, low: float, high: float) -> loop.Rate:
    return loop.Rate(mid, low, high, "measured")


def test_the_forecast_follows_the_written_model() -> None:
    rates = loop.Rates(
        engage=fixed(0.1, 0.1, 0.1),
        save=fixed(0.5, 0.5, 0.5),
        follow=fixed(0.2, 0.1, 0.3),
        retention=fixed(1.0, 1.0, 1.0),
        presave_share=fixed(0.5, 0.5, 0.5),
    )
    steps = loop.project(1000.0, rates, loop.WhatIf())
    # E1 = 0.1*1000 = 100; N1 = 0.2*0.5*100 = 10; F2 = 1010; E2 = 101; N2 = 10.1; F3 = 1020.1
    assert [
        (round(s.followers, 3), round(s.engaged, 3), round(s.new_follows, 3)) for s in steps
    ] == [
        (1000.0, 100.0, 10.0),
        (1010.0, 101.0, 10.1),
        (1020.1, 102.01, 10.201),
    ]
    # The band: follow rate 0.1 and 0.3 -> F2 = 1005 / 1015 -> E2 = 100.5 / 101.5.
    assert (steps[1].engaged_low, steps[1].engaged_high) == pytest.approx((100.5, 101.5))
    # What if: +5 points of follow conversion and 10 % more pre-savers.
    what_if = loop.project(1000.0, rates, loop.WhatIf(follow_points=5, presavers_pct=10))
    # E1 = 100 * (1 + 0.5*0.1) = 105; N1 = 0.25*0.5*105 = 13.125; F2 = 1013.125
    assert what_if[0].engaged == pytest.approx(105.0)
    assert what_if[0].new_follows == pytest.approx(13.125)
    assert what_if[1].followers == pytest.approx(1013.125)
    assert loop.project(1000.0, rates, loop.WhatIf()) == steps  # deterministic


def test_defaults_below_two_releases_then_measured_rates(
    workspace: Workspace, artist: Artist
) -> None:
    one = create_release(artist, {"title": "Only", "release_date": dt.date(2026, 1, 10)}, [])
    audience.record_point(
        artist, "spotify_for_artists", "followers", dt.date(2026, 1, 1), 1000, NOW
    )
    audience.record_point(artist, "spotify_for_artists", "streams", dt.date(2026, 1, 1), 400, NOW)
    fan = Fan.objects.create(workspace=workspace, email="only@example.org")
    ReleaseFacts.objects.create(
        workspace=workspace, artist=artist, release=one, fan=fan, first_act_at=timezone.now()
    )
    result = loop.forecast(artist, loop.WhatIf(), TODAY)
    assert result.rates.save == loop.DEFAULT_SAVE_RATE
    assert result.rates.follow.origin == "assumed"
    # No listeners imported: 400 streams / 1.5-2.5 per listener, per 1000 followers.
    assert result.rates.engage.origin == "public"
    engage = result.rates.engage
    assert [engage.low, engage.mid, engage.high] == pytest.approx([0.16, 0.2, 400 / 1.5 / 1000])
    assert result.start == 1000 and len(result.steps) == loop.HORIZON
    audience.record_point(artist, "spotify_for_artists", "listeners", dt.date(2026, 1, 2), 250, NOW)
    engage = loop.forecast(artist, loop.WhatIf(), TODAY).rates.engage
    assert (engage.origin, engage.mid) == ("export", 0.25)  # listeners per follower

    seed_three_releases(workspace, create_artist(workspace, name="Measured"))
    measured = Artist.objects.get(name="Measured")
    rates = loop.forecast(measured, loop.WhatIf(), TODAY).rates
    assert rates.engage.origin == rates.save.origin == rates.follow.origin == "measured"
    assert rates.save.low == pytest.approx(70 / 100) and rates.save.high == pytest.approx(0.8)
    # Retention: (F2 - N1) / F1 = (1340 - 8) / 1200 and (1550 - 12) / 1340.
    assert rates.retention.low == pytest.approx(1332 / 1200)
    assert rates.retention.high == pytest.approx(1538 / 1340)


# --- pages ---------------------------------------------------------------------------------


def urls(workspace: Workspace, artist: Artist) -> list[str]:
    base = f"/w/{workspace.slug}/insights/artists/{artist.pk}"
    return [
        f"{base}/audience/",
        f"{base}/audience.csv",
        f"{base}/forecast/",
        f"{base}/forecast.csv",
    ]


def upload(client: Client, url: str, data: bytes, source: str = "spotify_for_artists") -> object:
    return client.post(
        url, {"source": source, "file": SimpleUploadedFile("export.csv", data, "text/csv")}
    )


def test_an_outsider_gets_404_everywhere(
    outsider_client: Client, workspace: Workspace, artist: Artist
) -> None:
    for url in urls(workspace, artist):
        assert outsider_client.get(url).status_code == 404, url
    response = upload(outsider_client, urls(workspace, artist)[0], VALID)
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert not AudiencePoint.objects.exists()


def test_an_artist_of_another_workspace_is_404(
    owner_client: Client, workspace: Workspace, outsider: User
) -> None:
    theirs = create_artist(Workspace.objects.exclude(pk=workspace.pk).get(), name="Theirs")
    for url in urls(workspace, theirs):
        assert owner_client.get(url).status_code == 404, url


def test_a_viewer_reads_but_does_not_upload(
    viewer_client: Client, workspace: Workspace, artist: Artist
) -> None:
    seed_three_releases(workspace, artist)
    for url in urls(workspace, artist):
        assert viewer_client.get(url).status_code == 200, url
    page = viewer_client.get(urls(workspace, artist)[0]).content.decode()
    assert "Only editors and owners import exports." in page
    assert "in development mode the field is not there, so no snapshot is taken" in page
    for label in (
        "Followers on each release day",
        "Follower growth since the previous release, and follows through fanloop",
        "Engaged audience per release",
    ):
        assert f'role="img" aria-label="{label}"' in page
    assert "<title>R3: growth: 210</title>" in page
    assert upload(viewer_client, urls(workspace, artist)[0], VALID).status_code == 403  # type: ignore[attr-defined]
    csv = b"".join(viewer_client.get(urls(workspace, artist)[1]).streaming_content).decode()  # type: ignore[attr-defined]
    assert csv.splitlines()[2] == "R2,2026-03-10,1340,140,,8,4,12,120,90,80"
    series = viewer_client.get(urls(workspace, artist)[1], {"table": "series"})
    lines = b"".join(series.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "day,source,metric,value"
    assert lines[1:3] == [
        "2026-01-09,api_deezer,followers,200",
        "2026-01-09,spotify_for_artists,followers,1000",
    ]
    assert len(lines) == 1 + 8


def test_an_editor_uploads_and_errors_come_back_per_line(
    editor_client: Client, workspace: Workspace, artist: Artist
) -> None:
    url = urls(workspace, artist)[0]
    response = upload(editor_client, url, VALID)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert AudiencePoint.objects.filter(artist=artist).count() == 5
    bad = upload(editor_client, url, b"date,followers\n2026-05-09,x\n")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "line 2: followers &#x27;x&#x27; is not a whole number" in bad.content.decode()  # type: ignore[attr-defined]
    assert AudiencePoint.objects.filter(artist=artist).count() == 5
    big = upload(editor_client, url, b"date,streams\n" + b"1" * audience.MAX_UPLOAD_BYTES)
    assert big.status_code == 400  # type: ignore[attr-defined]
    assert "larger than" in big.content.decode()  # type: ignore[attr-defined]


def test_the_upload_needs_its_csrf_token(
    editor: User, workspace: Workspace, artist: Artist
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert upload(client, urls(workspace, artist)[0], VALID).status_code == 403  # type: ignore[attr-defined]
    assert not AudiencePoint.objects.exists()


def test_the_forecast_page_labels_defaults_and_refuses_bad_what_ifs(
    viewer_client: Client, workspace: Workspace, artist: Artist
) -> None:
    url = urls(workspace, artist)[2]
    assert "No follower count yet" in viewer_client.get(url).content.decode()
    audience.record_point(artist, "api_deezer", "followers", TODAY, 500, NOW)
    page = viewer_client.get(url).content.decode()
    assert "default from public observations (3-10 % of listeners save a release)" in page
    assert "default: fanloop's assumption" in page
    assert viewer_client.get(url, {"follow_points": "500"}).status_code == 400
    assert viewer_client.get(url, {"presavers_pct": "x"}).status_code == 400
    assert (
        viewer_client.get(urls(workspace, artist)[3], {"follow_points": "500"}).status_code == 400
    )
