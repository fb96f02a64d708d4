"""Every DBOS workflow, step, schedule and queue in fanloop has an explicit, stable name.

DBOS keys a workflow (and each recorded step) by name; an unnamed one is keyed by its
function's qualified name, so renaming the function would orphan what is in flight.
"""

from __future__ import annotations

import ast
from pathlib import Path

from dbos._dbos import _get_or_create_dbos_registry

from fanloop.ops.worker import register_workflows

PACKAGE = Path(__file__).resolve().parents[2]

# The names in flight in the system database of a running deployment. Changing one orphans
# the workflows recorded under the old name: keep it, or drain the queues first.
WORKFLOW_NAMES = {
    "deliver_batch",
    "delivery_tick",
    "forever_save_check",
    "flows.batch",
    "flows.tick",
    "flows.prune",
    "verification_sweep",
    "webhooks.tick",
    "webhooks.deliver",
    "webhooks.prune",
    "segments.sweep",
    "broadcasts.tick",
    "broadcast.send",
    "insights_rollup",
    "insights.audience_snapshot",
}
STEP_NAMES = {
    "run_batch_step",
    "refill_step",
    "tick_step",
    "forever_step",
    "flows.consume_events",
    "flows.claim_due",
    "flows.advance_batch",
    "verify_batch_step",
    "webhooks.consume_events",
    "webhooks.due",
    "webhooks.attempt",
    "webhooks.prune_log",
    "segments.sweep_due",
    "broadcasts.start_due",
    "broadcasts.parts",
    "broadcast.send_batch",
    "broadcast.finish",
    "insights_rollup_step",
    "insights.audience_candidates_step",
    "insights.audience_snapshot_step",
}


def _dotted(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every expression
        return ""


def unnamed_registrations(source: str) -> list[str]:
    """``file:line what`` of each DBOS registration in ``source`` that lacks a name."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = _dotted(node.func)
        keywords = {k.arg for k in node.keywords}
        if func in {"DBOS.workflow", "DBOS.step", "DBOS.scheduled"} and "name" not in keywords:
            found.append(f"{node.lineno} {func}()")
        elif func == "durable.step" and not node.args and "name" not in keywords:
            found.append(f"{node.lineno} {func}()")
        elif func in {"Queue", "DBOS.register_queue"} and not node.args and "name" not in keywords:
            if func == "DBOS.register_queue" and None in keywords:
                continue  # ``**spec``: a ``durable.QueueSpec``, whose ``name`` is required
            found.append(f"{node.lineno} {func}()")
    return found


def test_it_finds_an_unnamed_workflow_step_or_queue() -> None:
    source = (
        "@DBOS.workflow()\ndef a(): ...\n"
        "@DBOS.step(retries_allowed=True)\ndef b(): ...\n"
        "@DBOS.scheduled('* * * * *')\ndef c(s, t): ...\n"
        "q = Queue(worker_concurrency=1)\n"
        "@DBOS.workflow(name='ok.named')\ndef d(): ...\n"
        "@durable.step('ok.step')\ndef e(): ...\n"
    )
    assert unnamed_registrations(source) == [
        "1 DBOS.workflow()",
        "3 DBOS.step()",
        "5 DBOS.scheduled()",
        "7 Queue()",
    ]


def test_it_names_every_workflow_step_and_queue_in_fanloop() -> None:
    unnamed = [
        f"{path.relative_to(PACKAGE.parent)}:{where}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.parts
        for where in unnamed_registrations(path.read_text())
    ]
    assert not unnamed, f"DBOS registrations without an explicit name: {unnamed}"


def test_it_registers_workflows_and_steps_under_their_stable_names() -> None:
    register_workflows()
    registry = _get_or_create_dbos_registry().workflow_info_map
    workflows = {
        name
        for name, func in registry.items()
        if getattr(func, "__module__", "").startswith("fanloop.")
    }
    # DBOS registers each step as a one-step workflow named "<temp>.<step name>".
    steps = {name.removeprefix("<temp>.") for name in registry if name.startswith("<temp>.")}
    assert workflows == WORKFLOW_NAMES
    assert STEP_NAMES <= steps
