from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.customers.models import Customer
from regulars.jobs.models import Job, JobStatus, ScheduledRun
from regulars.jobs.runner import execute_job
from regulars.jobs.scheduler import tick
from regulars.jobs.services import job_cancel, job_start, jobs_reap
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_job_runs_on_commit_and_reports_progress(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(world.org_a), django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 120},
        )
    with tenant_scope(world.org_a):
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED
        assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
        assert job.attempts == 1
        assert job.task_id
        assert Customer.objects.count() == 120
        assert job.message == "120 sample customers added."


def test_a_rolled_back_start_leaves_no_job_running(world: World) -> None:
    # Without a commit, the on-commit enqueue never fires: nothing half-started.
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
        )
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
        assert Customer.objects.count() == 0


def test_a_task_delivered_twice_runs_once(world: World) -> None:
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 60},
            enqueue=False,
        )
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    assert execute_job(job.pk) == "not-claimed"
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 60


def test_cancel_before_start_and_while_running(world: World) -> None:
    with tenant_scope(world.org_a):
        queued = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
            enqueue=False,
        )
        cancelled = job_cancel(org=world.org_a, actor=world.manager_a.actor, job_id=queued.pk)
        assert cancelled.status == JobStatus.CANCELLED
    assert execute_job(queued.pk) == "not-claimed"

    with tenant_scope(world.org_a):
        running = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 500},
            enqueue=False,
        )

    seen: list[int] = []

    def cancel_after_two(job: Job) -> None:
        seen.append(job.progress_done)
        if job.progress_done == 2:
            Job.unscoped.filter(pk=job.pk).update(cancel_requested=True)

    from regulars.jobs import runner

    assert runner.execute_job(running.pk, listener=cancel_after_two) == JobStatus.CANCELLED
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 100  # the two committed batches stay
        assert Job.objects.get(pk=running.pk).status == JobStatus.CANCELLED


def test_only_the_requester_or_settings_managers_see_a_job(world: World) -> None:
    from regulars.core.errors import NotFound
    from regulars.jobs.selectors import job_get_for_actor

    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 1},
            enqueue=False,
        )
        assert job_get_for_actor(org=world.org_a, actor=world.owner_a.actor, job_id=job.pk)
        with pytest.raises(NotFound):
            job_get_for_actor(org=world.org_a, actor=world.staff_a.actor, job_id=job.pk)


def test_staff_cannot_start_jobs(world: World, client_for: Any) -> None:
    from regulars.core.errors import Forbidden

    with tenant_scope(world.org_a), pytest.raises(Forbidden):
        job_start(
            org=world.org_a, actor=world.staff_a.actor, kind="customers.sample", params={"count": 1}
        )
    assert client_for(world.staff_a).post("/customers/sample/", {"count": 5}).status_code == 403


def test_reaper_requeues_stale_jobs_and_fails_hopeless_ones(world: World, settings: Any) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    with tenant_scope(world.org_a):
        stale = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
            enqueue=False,
        )
        hopeless = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
            enqueue=False,
        )
        fresh = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
            enqueue=False,
        )
    old = timezone.now() - settings.JOB_STALE_AFTER - timedelta(seconds=5)
    Job.unscoped.filter(pk=stale.pk).update(status=JobStatus.RUNNING, heartbeat_at=old, attempts=1)
    Job.unscoped.filter(pk=hopeless.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=old, attempts=2
    )
    Job.unscoped.filter(pk=fresh.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1
    )
    assert jobs_reap() == {"requeued": 1, "failed": 1}
    assert Job.unscoped.get(pk=stale.pk).status == JobStatus.QUEUED
    assert Job.unscoped.get(pk=hopeless.pk).status == JobStatus.FAILED
    assert Job.unscoped.get(pk=fresh.pk).status == JobStatus.RUNNING
    assert jobs_reap() == {"requeued": 0, "failed": 0}  # idempotent


def test_scheduler_claims_each_slot_once(world: World) -> None:
    now = timezone.now()
    first = tick(now)
    assert "jobs.reap" in first
    assert "jobs.cleanup" in first
    assert tick(now) == []  # same minute, same hour: nothing runs twice
    assert ScheduledRun.objects.filter(name="jobs.reap").count() == 1
    assert "jobs.reap" in tick(now + timedelta(minutes=1))


def test_progress_partial_polls_until_finished(world: World, client_for: Any) -> None:
    client: Client = client_for(world.manager_a)
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 10},
            enqueue=False,
        )
    running = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert "Cancel" in running
    execute_job(job.pk)
    done = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in done
    assert "100 %" in done
    assert "Finished" in done
    cancel = client.post(f"/jobs/{job.pk}/cancel/", follow=True)
    assert b"already finished" in cancel.content


def test_a_run_that_lost_its_claim_writes_nothing_more(world: World) -> None:
    """A slow (not dead) run whose job the reaper re-queued stops at its next write."""
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 200},
            enqueue=False,
        )

    def reaped_after_first(current: Job) -> None:
        if current.progress_done == 1:
            # What the reaper does to a stale job: back to the queue, a new attempt follows.
            Job.unscoped.filter(pk=current.pk).update(status=JobStatus.QUEUED)

    from regulars.jobs import runner

    assert runner.execute_job(job.pk, listener=reaped_after_first) == "superseded"
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 50  # the second batch rolled back with its checkpoint
        assert Job.objects.get(pk=job.pk).checkpoint == {"next_batch": 1}
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 200


def test_daily_work_runs_once_per_organization_at_its_local_time(world: World) -> None:
    import datetime as dt

    from regulars.jobs import scheduler

    ran: list[str] = []
    entry = scheduler.Daily("test.daily", dt.time(3, 0), lambda org: ran.append(org.slug))
    world.org_a.time_zone = "Asia/Tokyo"  # UTC+9
    world.org_a.save(update_fields=["time_zone"])
    scheduler._DAILY.append(entry)
    try:
        utc = dt.UTC
        scheduler.tick(dt.datetime(2026, 3, 1, 17, 30, tzinfo=utc))  # Tokyo 02:30, UTC 17:30
        assert ran == [world.org_b.slug]  # org B (UTC) is past 03:00; Tokyo is not yet
        scheduler.tick(dt.datetime(2026, 3, 1, 18, 5, tzinfo=utc))  # Tokyo 03:05
        assert ran == [world.org_b.slug, world.org_a.slug]
        scheduler.tick(dt.datetime(2026, 3, 1, 23, 0, tzinfo=utc))
        assert len(ran) == 2  # once a local day each
    finally:
        scheduler._DAILY.remove(entry)
