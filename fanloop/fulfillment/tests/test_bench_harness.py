"""The delivery benchmark's arithmetic (``bench/delivery.py``): how it turns emulator samples
into a write window and a steady rate. The benchmark itself is run by hand, not here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "delivery.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_delivery", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def test_write_window_is_bracketed_by_samples(bench: ModuleType) -> None:
    s = bench.Sample
    samples = [s(0.0, 0, 1, 0), s(1.0, 0, 2, 0), s(2.0, 50, 60, 0), s(3.0, 100, 110, 0)]
    samples += [s(4.0, 100, 110, 0)]
    # The last sample without writes and the first one with all of them: the longer bound.
    assert bench.write_window(samples) == (1.0, 3.0, 2.0)


def test_steady_rate_leaves_out_ramp_and_tail(bench: ModuleType) -> None:
    s = bench.Sample
    counts = [0, 2, 10, 30, 50, 70, 90, 99, 100]  # slow start, 20 per second, slow end
    samples = [s(float(t), n, n, 0) for t, n in enumerate(counts)]
    rate, seconds = bench.steady_rate(samples)
    assert seconds == 4.0  # from 10 (at 2 s) to 90 (at 6 s)
    assert rate == pytest.approx(20.0)


def test_steady_rate_of_too_few_samples_is_zero(bench: ModuleType) -> None:
    s = bench.Sample
    assert bench.steady_rate([s(0.0, 0, 0, 0), s(1.0, 100, 100, 0)]) == (0.0, 0.0)


def test_steady_rate_without_writes_is_zero(bench: ModuleType) -> None:
    s = bench.Sample
    assert bench.steady_rate([s(0.0, 0, 0, 0), s(5.0, 0, 3, 0), s(9.0, 0, 4, 0)]) == (0.0, 0.0)
