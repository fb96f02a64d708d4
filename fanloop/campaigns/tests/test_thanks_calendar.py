"""The add-to-calendar file: valid iCalendar, the release instant in the fan's market
(else the first instant anywhere), escaped text and folded lines; public, no session."""

from __future__ import annotations

from django.test import Client

from fanloop.campaigns.thanks import ics_fold

from .oauth_flow import Flow


def _lines(body: str) -> list[str]:
    assert body.endswith("\r\n")
    return body.replace("\r\n ", "").split("\r\n")[:-1]


def test_it_serves_an_event_at_the_release_instant_of_the_market(flow: Flow) -> None:
    response = Client().get("/nova-lights/midnight-signal/calendar.ics", {"market": "de"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = _lines(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "DTSTART:20300314T230000Z" in lines  # midnight in Berlin
    assert any(line.startswith("UID:release-") for line in lines)
    assert any(line.startswith("DTSTAMP:") for line in lines)
    assert "SUMMARY:Midnight Signal by Nova Lights is out" in lines
    assert "URL:http://127.0.0.1:8000/nova-lights/midnight-signal" in lines
    assert not response.cookies


def test_it_uses_the_first_instant_without_a_market(flow: Flow) -> None:
    lines = _lines(Client().get("/nova-lights/midnight-signal/calendar.ics").content.decode())
    first = flow.release.first_instant().astimezone().strftime("%Y%m%d")
    assert any(
        line.startswith(f"DTSTART:{first}") or line.startswith("DTSTART:2030") for line in lines
    )


def test_it_escapes_and_folds_text(flow: Flow) -> None:
    flow.release.title = "Night, Day; Back\\Slash " + "é" * 60
    flow.release.save()
    body = Client().get("/nova-lights/midnight-signal/calendar.ics").content.decode()
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75
    assert "SUMMARY:Night\\, Day\\; Back\\\\Slash " in _lines(body)[8] or any(
        line.startswith("SUMMARY:Night\\, Day\\; Back\\\\Slash") for line in _lines(body)
    )


def test_it_folds_without_splitting_characters() -> None:
    folded = ics_fold("X:" + "é" * 100)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "X:" + "é" * 100


def test_it_returns_404_for_an_unknown_release(flow: Flow) -> None:
    assert Client().get("/nova-lights/nope/calendar.ics").status_code == 404
