"""A secret kept for one owner's page is shown there once, never on another owner's page."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory

from fanloop.lib import shown_once

KEY = "test_shown_once"


def _request(method: str, session: SessionStore) -> HttpRequest:
    request = RequestFactory().generic(method, "/")
    request.session = session
    return request


@pytest.mark.django_db
def test_a_kept_secret_is_taken_once_by_its_owner_s_get() -> None:
    session = SessionStore()
    shown_once.keep(_request("POST", session), KEY, 7, {"secret": "s3cret"})
    session.save()
    assert shown_once.take(_request("POST", session), KEY, 7) is None
    assert shown_once.take(_request("GET", session), KEY, 7) == {"secret": "s3cret", "owner": 7}
    assert shown_once.take(_request("GET", session), KEY, 7) is None


@pytest.mark.django_db
def test_another_owner_s_page_shows_nothing_and_drops_it() -> None:
    session = SessionStore()
    shown_once.keep(_request("POST", session), KEY, 7, {"secret": "s3cret"})
    assert shown_once.take(_request("GET", session), KEY, 8) is None
    assert shown_once.take(_request("GET", session), KEY, 7) is None


@pytest.mark.django_db
def test_only_a_page_showing_a_secret_is_not_stored() -> None:
    request = _request("GET", SessionStore())
    template = "catalog/_number.html"
    context = {"label": "Fans", "total": 3}
    plain = shown_once.render_page(request, template, context, shown=None)
    assert "no-store" not in plain.get("Cache-Control", "")
    shown = shown_once.render_page(request, template, context, shown={"secret": "x"}, status=400)
    assert shown["Cache-Control"] == "no-store"
    assert shown.status_code == 400
