"""A bulk category change as a job, its `regulars worker` SIGKILLed mid-way and a second
worker resuming it: every customer is changed, audited and counted exactly once."""

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

COUNT = 2_000  # 4 batches of 500 (regulars.lists.services.BATCH)
BATCHES = 4
KILL_AT = 2
DEADLINE = 90.0

START_BULK = f"""
from regulars.accounts.services import user_create
from regulars.lists.services import bulk_prepare, bulk_start, selection_from_queryset
from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.categories import category_create
from regulars.customers.models import Customer
from regulars.customers.selectors import customer_list
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

owner = user_create(email="owner@bulk.test", password="correct horse battery staple")
org = organization_create(name="Bulk Salon", owner=owner, channel=Channel.SYSTEM)
with tenant_scope(org):
    numbers = account_numbers_allocate(org=org, count={COUNT})
    Customer.objects.bulk_create(
        [Customer(organization=org, first_name=f"B{{n}}", last_name="Bulk",
                  account_number=numbers[n]) for n in range({COUNT})]
    )
    actor = actor_for_membership(StaffMembership.objects.get(user=owner), channel=Channel.PAGE)
    vip = category_create(org=org, actor=actor, data={{"name": "VIP"}})
    action = bulk_prepare(org=org, actor=actor, action="add_category",
                          params={{"category_id": vip.pk}})
    selection = selection_from_queryset(
        org=org, actor=actor, customers=customer_list(org=org, actor=actor), description="all"
    )
    outcome = bulk_start(org=org, actor=actor, selection=selection, action=action)
print(f"STARTED job={{outcome.job.pk}} org={{org.pk}} category={{vip.pk}}")
"""


@pytest.mark.slow
def test_killed_bulk_job_changes_each_customer_once(workers: Workers) -> None:  # noqa: F811
    deadline = time.monotonic() + DEADLINE
    env = workers.env
    db = Path(env["REGULARS_DATA_DIR"]) / "regulars.sqlite3"
    _run(["migrate", "--no-input", "-v", "0"], env, deadline)
    started = re.search(
        r"STARTED job=(\d+) org=(\d+) category=(\d+)",
        _run(["shell", "-c", START_BULK], env, deadline),
    )
    assert started is not None
    job_id, org_id, category_id = (int(g) for g in started.groups())

    first = workers.start()
    _wait_for(
        f"{KILL_AT} batches",
        lambda: _job(db, job_id)["progress_done"] >= KILL_AT,
        deadline,
        workers,
        db,
        job_id,
    )
    workers.kill(first)
    killed_at = time.monotonic()
    assert first.returncode == -signal.SIGKILL
    job = _job(db, job_id)
    done_batches = json.loads(job["checkpoint"])["next_batch"]
    assert KILL_AT <= done_batches < BATCHES, job
    linked = "SELECT COUNT(*) FROM customers_customer_categories WHERE category_id = ?"
    # The batches and their checkpoint were committed together: no half batch.
    assert _query(db, linked, (category_id,))[0][0] == done_batches * 500

    time.sleep(max(0.0, killed_at + STALE_SECONDS + 0.5 - time.monotonic()))
    workers.start()
    _wait_for(
        "the job to finish",
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
    assert (result["changed"], result["unchanged"], result["skipped"]) == (COUNT, 0, 0)
    assert _query(db, linked, (category_id,))[0][0] == COUNT
    audited = _query(
        db,
        "SELECT customer_id, COUNT(*) FROM audit_auditentry WHERE organization_id = ? "
        "AND action = 'customers.customer.bulk_add_category' GROUP BY customer_id",
        (org_id,),
    )
    assert len(audited) == COUNT and {n for _cid, n in audited} == {1}
    versions = _query(
        db, "SELECT DISTINCT version FROM customers_customer WHERE organization_id = ?", (org_id,)
    )
    assert versions == [(2,)]  # each customer changed exactly once
