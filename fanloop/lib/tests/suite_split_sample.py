"""Collected only by test_suite_split.py (not a ``test_*.py`` module): one test of each kind."""

import pytest


def test_pure_arithmetic() -> None:
    assert 1 + 1 == 2


@pytest.mark.django_db
def test_with_the_mark() -> None:
    pass


def test_with_a_fixture(db: None) -> None:
    pass


def test_with_a_live_server(live_server: object) -> None:
    pass
