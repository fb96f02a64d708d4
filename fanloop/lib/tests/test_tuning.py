"""FANLOOP_TUNING overrides tuning constants, typed like the constant, and nothing else."""

from __future__ import annotations

import pytest

from fanloop.lib import tuning
from fanloop.ops import worker


def test_it_sets_a_constant_with_the_constants_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "HEARTBEAT_SECONDS", worker.HEARTBEAT_SECONDS)  # restored after
    tuning.apply("fanloop.ops.worker.HEARTBEAT_SECONDS=1")
    assert worker.HEARTBEAT_SECONDS == 1
    assert isinstance(worker.HEARTBEAT_SECONDS, int)


def test_it_builds_the_variable_from_a_dict() -> None:
    assert tuning.spec({"fanloop.a.B": 1, "fanloop.c.D": 0.5}) == "fanloop.a.B=1,fanloop.c.D=0.5"


@pytest.mark.parametrize(
    "spec",
    [
        "fanloop.ops.worker.NO_SUCH_CONSTANT=1",  # unknown name
        "fanloop.ops.worker.HEARTBEAT_SECONDS=fast",  # not an int
        "fanloop.ops.worker.HEARTBEAT_SECONDS",  # no value
        "os.SEP=x",  # outside fanloop
        "fanloop.ops.worker.log=x",  # not a CONSTANT
        "fanloop.ops.worker.WORKFLOW_MODULES=x",  # not a number or a string
    ],
)
def test_it_refuses_what_is_not_a_tunable_constant(spec: str) -> None:
    with pytest.raises(tuning.TuningError):
        tuning.apply(spec)
