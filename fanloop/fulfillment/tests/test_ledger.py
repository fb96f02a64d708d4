"""The batch ledger's group commit: every hand-in written exactly once, by one writer at a
time, grouped under load, errors reaching exactly the threads whose entries failed."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from fanloop.fulfillment.deliver import Ledger, _Entry

THREADS = 16
ROUNDS = 150


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.writes: list[list[Any]] = []
        self.active = 0
        self.overlapped = False
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, entries: list[_Entry]) -> None:
        with self.lock:
            self.active += 1
            self.overlapped = self.overlapped or self.active > 1
            number = len(self.writes)
            self.writes.append([entry.mark for entry in entries])
        time.sleep(0.0005)  # a commit takes a while: others hand in meanwhile
        with self.lock:
            self.active -= 1
        if number == self.fail_on:
            raise RuntimeError("database went away")
        for entry in entries:
            entry.kept = entry.mark is not None


def run_threads(ledger: Ledger, rounds: int) -> tuple[list[Any], list[BaseException]]:
    kept: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(thread: int) -> None:
        for n in range(rounds):
            mark: Any = (thread, n)
            try:
                ours = ledger.commit([], mark=mark)
            except RuntimeError as exc:
                with lock:
                    errors.append(exc)
                continue
            with lock:
                if ours:
                    kept.append(mark)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread never woke up"
    return kept, errors


def test_every_hand_in_is_written_once_by_one_writer_at_a_time() -> None:
    recorder = Recorder()
    kept, errors = run_threads(Ledger(recorder), ROUNDS)
    written = [mark for write in recorder.writes for mark in write]
    assert not errors
    assert sorted(written) == sorted((t, n) for t in range(THREADS) for n in range(ROUNDS))
    assert sorted(kept) == sorted(written)
    assert not recorder.overlapped
    # Grouped: far fewer transactions than hand-ins.
    assert len(recorder.writes) < len(written) / 2


def test_a_failed_write_fails_exactly_its_own_entries_and_the_ledger_goes_on() -> None:
    recorder = Recorder(fail_on=3)
    kept, errors = run_threads(Ledger(recorder), 40)
    failed = recorder.writes[3]
    assert len(errors) == len(failed) >= 1
    assert sorted(kept) == sorted(m for i, w in enumerate(recorder.writes) if i != 3 for m in w)
    assert len(kept) + len(errors) == THREADS * 40


def test_one_thread_alone_writes_its_own_entry() -> None:
    recorder = Recorder()
    ledger = Ledger(recorder)
    assert ledger.commit([], mark="only") is True  # type: ignore[arg-type]
    assert ledger.commit([], mark=None) is False
    assert recorder.writes == [["only"], [None]]


@pytest.mark.parametrize("rounds", [1, 2])
def test_no_thread_waits_forever_when_hand_ins_stop(rounds: int) -> None:
    recorder = Recorder()
    kept, _ = run_threads(Ledger(recorder), rounds)
    assert len(kept) == THREADS * rounds
