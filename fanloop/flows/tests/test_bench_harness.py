"""The flows benchmark's harness (``bench/flows.py``): its bulk-seeded journeys are ones the
engine really advances, and its counting sink counts duplicates. The benchmark itself is run
by hand, not here."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from fanloop.flows import engine
from fanloop.flows.models import Journey, JourneyState
from fanloop.messaging import sending_rules
from fanloop.messaging.models import MessageStatus, OutboundMessage

BENCH = Path(__file__).resolve().parents[3] / "bench" / "flows.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_flows", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def _no_sending_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending_rules, "DEFAULT_QUIET_HOURS", "")
    monkeypatch.setattr(sending_rules, "DEFAULT_CAP", 0)


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_sending_limits")
def test_seeded_journeys_wait_then_pass_the_email_step(bench: ModuleType) -> None:
    bench.seed_base()
    bench.seed_journeys(bench.WAIT_FLOW, 3, False)
    bench.seed_journeys(bench.EMAIL_FLOW, 4, True)
    assert engine.run_until_idle()["sent"] == 0  # everything waits a year
    Journey.objects.filter(flow__name=bench.EMAIL_FLOW).update(due_at=timezone.now())

    totals = engine.run_until_idle()

    assert totals["sent"] == 4
    assert len(mail.outbox) == 4
    # About the release, as pre-save journeys are: its title and listen links.
    assert mail.outbox[0].subject == "First Light is out"
    assert "Spotify: http" in str(mail.outbox[0].body)
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 4
    assert bench.outcome(bench.EMAIL_FLOW)["journeys"] == {"waiting@2": 4}
    assert bench.outcome(bench.WAIT_FLOW)["journeys"] == {"waiting@0": 3}
    assert not Journey.objects.exclude(state=JourneyState.WAITING).exists()


def test_counting_sink_counts_messages_and_repeated_recipients(bench: ModuleType) -> None:
    handler = bench.CountingHandler()

    async def deliver(*rcpts: str) -> str:
        envelope = SimpleNamespace(rcpt_tos=list(rcpts), content=b"x" * 10)
        return str(await handler.handle_DATA(None, None, envelope))

    # Its own thread: the browser tests may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        for rcpts in (["a@example.org"], ["b@example.org"], ["a@example.org"]):
            assert pool.submit(asyncio.run, deliver(*rcpts)).result().startswith("250")
    assert (handler.accepted, handler.bytes, handler.duplicates) == (3, 30, 1)
    assert handler.last_at > 0


@pytest.mark.django_db
@pytest.mark.usefixtures("_no_sending_limits")
def test_the_reference_sends_messages_like_the_engine_s(bench: ModuleType) -> None:
    """The sink-alone reference sends the engine's message (same subject, bodies and
    List-Unsubscribe), so the two rates compare messages of the same size."""
    bench.seed_base()
    bench.seed_journeys(bench.EMAIL_FLOW, 2, True)
    Journey.objects.update(due_at=timezone.now())
    engine.run_until_idle()
    sent = mail.outbox[0]
    assert isinstance(sent, EmailMultiAlternatives)

    sample = bench.sample_message()

    assert sample["subject"] == sent.subject
    engine_html = str(sent.alternatives[0][0])
    for ours, theirs in ((sample["text"], str(sent.body)), (sample["html"], engine_html)):
        assert abs(len(ours) - len(theirs)) <= 0.05 * len(theirs)
        assert "/c/" in ours  # click-tracked links, as the engine's
    assert sample["unsubscribe"].startswith("<http://") and "/u/" in sample["unsubscribe"]
