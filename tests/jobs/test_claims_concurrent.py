"""Two workers handed the same job at the same moment: exactly one runs it, on both databases."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from regulars.customers.models import Customer
from regulars.jobs.models import Job, JobStatus
from regulars.jobs.runner import execute_job
from regulars.jobs.services import job_start
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_job_run_it_once(world: World) -> None:
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 120},
            enqueue=False,
        )
    start = threading.Barrier(4)
    results: list[str] = []

    def deliver() -> None:
        try:
            start.wait()
            results.append(execute_job(job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["not-claimed"] * 3 + [JobStatus.SUCCEEDED]
    assert Job.unscoped.get(pk=job.pk).attempts == 1
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 120
