"""``atomic_insert_race``: a write that lost an insert race runs once more, the first pass
undone; a second loss is raised."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from fanloop.accounts.models import User
from fanloop.lib.db import atomic_insert_race


@pytest.mark.django_db(transaction=True)
def test_the_second_pass_runs_after_the_first_is_undone() -> None:
    passes: list[int] = []

    def write() -> str:
        passes.append(len(passes) + 1)
        User.objects.create_user(f"pass{len(passes)}@example.org", "a-password-123")
        if len(passes) == 1:
            User.objects.create_user("pass1@example.org", "a-password-123")  # the lost race
        return "stored"

    assert atomic_insert_race(write) == "stored"
    assert passes == [1, 2]
    assert sorted(User.objects.values_list("email", flat=True)) == ["pass2@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_second_loss_is_raised_and_nothing_is_kept() -> None:
    def write() -> None:
        User.objects.create_user("twice@example.org", "a-password-123")
        User.objects.create_user("twice@example.org", "a-password-123")

    with pytest.raises(IntegrityError):
        atomic_insert_race(write)
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_only_its_savepoint_is_undone() -> None:
    calls: list[int] = []

    def write() -> int:
        calls.append(1)
        if len(calls) == 1:
            User.objects.create_user("dup@example.org", "a-password-123")
            User.objects.create_user("dup@example.org", "a-password-123")
        return len(calls)

    with transaction.atomic():
        User.objects.create_user("outer@example.org", "a-password-123")
        assert atomic_insert_race(write) == 2
    assert list(User.objects.values_list("email", flat=True)) == ["outer@example.org"]
