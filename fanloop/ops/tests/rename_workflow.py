"""A workflow whose Python function is renamed between two processes (run by a test).

``start``: run the workflow ``wf-1`` under function name ``FUNC``; the process dies right
after the first step is recorded. ``recover``: a fresh process defines the same workflow
under another function name, launches DBOS (which recovers its executor's pending
workflows) and prints the workflow's status and output once it ends or the time is up.

    python rename_workflow.py start|recover FUNC named|unnamed SYSTEM_DB_URL [SECONDS]
"""

from __future__ import annotations

import os
import sys
import time

from dbos import DBOS, SetWorkflowID

PHASE, FUNC, NAMING, URL = sys.argv[1:5]


@DBOS.step(name="ops.rename_demo.add_one")
def add_one(x: int) -> int:
    return x + 1


@DBOS.step(name="ops.rename_demo.times_ten")
def times_ten(x: int) -> int:
    return x * 10


def body(x: int) -> int:
    y = add_one(x)
    if PHASE == "start":
        os._exit(0)  # killed mid-workflow: the first step is recorded, the second is not
    return times_ten(y)


body.__name__ = body.__qualname__ = FUNC  # what a rename of the function changes
workflow = DBOS.workflow(name="ops.rename_demo" if NAMING == "named" else None)(body)

DBOS(
    config={
        "name": "rename-demo",
        "system_database_url": URL,
        "executor_id": "rename-demo",
        "log_level": "CRITICAL",
    }
)
DBOS.launch()
if PHASE == "start":
    with SetWorkflowID("wf-1"):
        DBOS.start_workflow(workflow, 4)
    time.sleep(60)  # never reached: the workflow ends the process
    sys.exit(1)
deadline = time.monotonic() + float(sys.argv[5])
status = DBOS.get_workflow_status("wf-1")
while time.monotonic() < deadline and (status is None or status.status != "SUCCESS"):
    time.sleep(0.1)
    status = DBOS.get_workflow_status("wf-1")
print(status.status if status else None, status.output if status else None, flush=True)
DBOS.destroy()
