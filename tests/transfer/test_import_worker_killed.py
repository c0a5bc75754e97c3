"""An import as a job, its `regulars worker` SIGKILLed at a known batch and a second worker
resuming it: every row of the file is imported once (customers, outcome rows, audit)."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from tests.jobs.test_worker_killed import (
    STALE_SECONDS,
    Workers,
    _job,
    _query,
    _run,
    _wait_for,
    workers,  # noqa: F401  (the fixture)
)

ROWS = 5_000  # 5 batches of 1,000 (regulars.transfer.jobs.BATCH)
BATCHES = 5
KILL_AT = 2
BAD_EVERY = 97  # rows with a broken email: rejected, never imported
DEADLINE = 120.0

START_IMPORT = f"""
from pathlib import Path
from regulars.accounts.services import user_create
from regulars.customers.models import Customer
from regulars.jobs.runner import execute_job
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create
from regulars.transfer.services import import_review_start, import_start, import_upload

owner = user_create(email="owner@import.test", password="correct horse battery staple")
org = organization_create(name="Import Salon", owner=owner, channel=Channel.SYSTEM)
path = Path("{{path}}")
lines = ["First Name,Last Name,Email"]
for n in range({ROWS}):
    email = f"person{{n}}@example.com" if n % {BAD_EVERY} else f"person{{n}}-at-example"
    lines.append(f"P{{n}},Row,{{email}}")
path.write_text("\\n".join(lines) + "\\n", encoding="utf-8")
with tenant_scope(org):
    actor = actor_for_membership(StaffMembership.objects.get(user=owner), channel=Channel.PAGE)
    with path.open("rb") as handle:
        run = import_upload(org=org, actor=actor, content=handle, name="people.csv")
    run = import_review_start(org=org, actor=actor, run_id=run.pk, enqueue=False)
    execute_job(run.review_job.pk)
    run = import_start(org=org, actor=actor, run_id=run.pk)
print(f"STARTED job={{run.import_job.pk}} org={{org.pk}} run={{run.pk}}")
"""


@pytest.mark.slow
def test_killed_import_imports_each_row_once(workers: Workers) -> None:  # noqa: F811
    deadline = time.monotonic() + DEADLINE
    env = workers.env
    data = Path(env["REGULARS_DATA_DIR"])
    db = data / "regulars.sqlite3"
    _run(["migrate", "--no-input", "-v", "0"], env, deadline)
    script = START_IMPORT.replace("{path}", str(data / "people.csv"))
    started = re.search(
        r"STARTED job=(\d+) org=(\d+) run=(\d+)", _run(["shell", "-c", script], env, deadline)
    )
    assert started is not None
    job_id, org_id, run_id = (int(g) for g in started.groups())
    bad = len(range(0, ROWS, BAD_EVERY))

    first = workers.start()
    _wait_for(
        f"{KILL_AT} batches",
        lambda: _job(db, job_id)["progress_done"] >= KILL_AT * 1000,
        deadline,
        workers,
        db,
        job_id,
    )
    workers.kill(first)
    killed_at = time.monotonic()
    assert first.returncode == -signal.SIGKILL
    checkpoint = json.loads(_job(db, job_id)["checkpoint"])
    next_row = checkpoint["next_row"]
    assert KILL_AT * 1000 + 2 <= next_row < ROWS + 2, checkpoint
    rows_sql = "SELECT COUNT(*) FROM transfer_importrow WHERE run_id = ?"
    # Each committed batch wrote its rows and its checkpoint together: no half batch.
    assert _query(db, rows_sql, (run_id,))[0][0] == next_row - 2

    time.sleep(max(0.0, killed_at + STALE_SECONDS + 0.5 - time.monotonic()))
    workers.start()
    _wait_for(
        "the import to finish",
        lambda: _job(db, job_id)["status"] not in ("queued", "running"),
        deadline,
        workers,
        db,
        job_id,
    )
    job = _job(db, job_id)
    assert job["status"] == "succeeded", f"{job}\n{workers.output()}"
    assert job["attempts"] == 2
    result = json.loads(_query(db, "SELECT result FROM jobs_job WHERE id = ?", (job_id,))[0][0])
    assert (result["created"], result["rejected"]) == (ROWS - bad, bad)
    numbers = _query(
        db,
        "SELECT number, COUNT(*) FROM transfer_importrow WHERE run_id = ? GROUP BY number",
        (run_id,),
    )
    assert len(numbers) == ROWS and {n for _number, n in numbers} == {1}
    customers = _query(
        db,
        "SELECT email, COUNT(*) FROM customers_customer WHERE organization_id = ? GROUP BY email",
        (org_id,),
    )
    assert len(customers) == ROWS - bad and {n for _email, n in customers} == {1}
    created = _query(
        db,
        "SELECT COUNT(*) FROM audit_auditentry WHERE organization_id = ? "
        "AND action = 'customers.customer.created'",
        (org_id,),
    )
    assert created[0][0] == ROWS - bad
    status = _query(db, "SELECT status FROM transfer_importrun WHERE id = ?", (run_id,))
    assert status == [("imported",)]


RESTART = """
from regulars.jobs.models import Job
from regulars.jobs.services import jobs_reap
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import ImportRun
from regulars.transfer.selectors import import_settle
from regulars.transfer.services import import_start

print("REAPED", jobs_reap())
run = ImportRun.unscoped.select_related("organization", "import_job").get(pk={run_id})
with tenant_scope(run.organization):
    import_settle(run)
    print("STATUS", run.status)
    owner = StaffMembership.objects.get(user__email="owner@import.test")
    actor = actor_for_membership(owner, channel=Channel.PAGE)
    run = import_start(org=run.organization, actor=actor, run_id=run.pk)
print(f"RESTARTED job={run.import_job.pk}")
"""


@pytest.mark.slow
def test_an_import_given_up_on_goes_on_after_its_imported_rows(
    workers: Workers,  # noqa: F811
) -> None:
    """The reaper fails (not re-queues) a job that died too often; starting the import
    again continues after the rows already imported, never over them."""
    deadline = time.monotonic() + DEADLINE
    env = {**workers.env, "REGULARS_JOB_MAX_ATTEMPTS": "1"}
    workers.env = env
    data = Path(env["REGULARS_DATA_DIR"])
    db = data / "regulars.sqlite3"
    _run(["migrate", "--no-input", "-v", "0"], env, deadline)
    script = START_IMPORT.replace("{path}", str(data / "people.csv"))
    started = re.search(
        r"STARTED job=(\d+) org=(\d+) run=(\d+)", _run(["shell", "-c", script], env, deadline)
    )
    assert started is not None
    job_id, org_id, run_id = (int(g) for g in started.groups())
    bad = len(range(0, ROWS, BAD_EVERY))
    first = workers.start()
    _wait_for(
        f"{KILL_AT} batches",
        lambda: _job(db, job_id)["progress_done"] >= KILL_AT * 1000,
        deadline,
        workers,
        db,
        job_id,
    )
    workers.kill(first)
    time.sleep(STALE_SECONDS + 0.5)
    out = _run(["shell", "-c", RESTART.replace("{run_id}", str(run_id))], env, deadline)
    assert "'failed': 1" in out and "STATUS failed" in out, out
    restarted = re.search(r"RESTARTED job=(\d+)", out)
    assert restarted is not None
    second_job = int(restarted.group(1))
    workers.start()
    _wait_for(
        "the second import job",
        lambda: _job(db, second_job)["status"] not in ("queued", "running"),
        deadline,
        workers,
        db,
        second_job,
    )
    assert _job(db, second_job)["status"] == "succeeded", workers.output()
    numbers = _query(
        db,
        "SELECT number, COUNT(*) FROM transfer_importrow WHERE run_id = ? GROUP BY number",
        (run_id,),
    )
    assert len(numbers) == ROWS and {n for _number, n in numbers} == {1}
    customers = _query(
        db,
        "SELECT COUNT(*), COUNT(DISTINCT email) FROM customers_customer WHERE organization_id = ?",
        (org_id,),
    )
    assert customers == [(ROWS - bad, ROWS - bad)]
    status = _query(db, "SELECT status, counts FROM transfer_importrun WHERE id = ?", (run_id,))
    assert status[0][0] == "imported"
    assert json.loads(status[0][1])["created"] == ROWS - bad
