from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend

from regulars.accounts.services import api_key_revoke
from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError
from regulars.customers.models import Customer
from regulars.jobs import registry
from regulars.jobs.models import Job, JobStatus, ScheduledRun, StartedBy
from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobContext, execute_job
from regulars.jobs.scheduler import tick
from regulars.jobs.services import job_cancel, job_start, jobs_reap
from regulars.tenancy.access import Cap, Channel, system_actor
from regulars.tenancy.models import Organization, Role, StaffMembership
from regulars.tenancy.scope import current_org, tenant_scope
from tests.conftest import World
from tests.factories import Member

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


# --- Jobs run with their starter's rights, as they are when the job runs -----------------


def _start(member: Member, *, count: int = 60, kind: str = "customers.sample") -> Job:
    with tenant_scope(member.org):
        return job_start(
            org=member.org, actor=member.actor, kind=kind, params={"count": count}, enqueue=False
        )


def _job(job_id: int) -> Job:
    return Job.unscoped.get(pk=job_id)


def _customers(org: Organization) -> int:
    with tenant_scope(org):
        return Customer.objects.count()


def _api_start(client: Client, count: int = 60) -> int:
    response = client.post(
        "/api/v1/jobs",
        {"kind": "customers.sample", "params": {"count": count}},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return int(response.json()["id"])


def test_a_job_whose_requester_left_fails_and_does_nothing(world: World) -> None:
    job = _start(world.manager_a)
    assert job.started_by == StartedBy.USER
    with tenant_scope(world.org_a):
        StaffMembership.objects.filter(pk=world.manager_a.membership.pk).update(is_active=False)
    assert execute_job(job.pk) == JobStatus.FAILED
    assert "no longer a member" in _job(job.pk).message
    assert _customers(world.org_a) == 0


def test_a_job_whose_requester_was_deleted_does_not_become_system_work(world: World) -> None:
    job = _start(world.manager_a)
    world.manager_a.user.delete()
    assert _job(job.pk).requester_id is None
    assert execute_job(job.pk) == JobStatus.FAILED
    assert "no longer a member" in _job(job.pk).message
    assert _customers(world.org_a) == 0


def test_a_job_whose_requester_lost_the_capability_fails(world: World) -> None:
    job = _start(world.manager_a)
    with tenant_scope(world.org_a):
        StaffMembership.objects.filter(pk=world.manager_a.membership.pk).update(role=Role.STAFF)
    assert execute_job(job.pk) == JobStatus.FAILED
    assert "may no longer start this kind of job" in _job(job.pk).message
    assert _customers(world.org_a) == 0


def test_a_job_runs_as_the_requesters_current_membership(world: World) -> None:
    job = _start(world.manager_a, count=1)
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.get(action="customers.customer.created")
    assert (entry.actor_user_id, entry.channel) == (world.manager_a.user.pk, Channel.JOB)


def test_a_job_started_with_an_api_key_runs_as_that_key(world: World, api_for: Any) -> None:
    job_id = _api_start(api_for(world.owner_a, Role.MANAGER), count=1)
    job = _job(job_id)
    assert (job.started_by, job.requester_id) == (StartedBy.API_KEY, None)
    assert job.api_key_id is not None
    assert execute_job(job_id) == JobStatus.SUCCEEDED
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.get(action="customers.customer.created")
    # Not the system (owner) actor: the key, through the job channel.
    assert (entry.actor_api_key_id, entry.actor_user_id) == (job.api_key_id, None)
    assert entry.actor_label == f"API key #{job.api_key_id}"


def test_a_job_whose_api_key_was_revoked_fails_and_does_nothing(world: World, api_for: Any) -> None:
    job_id = _api_start(api_for(world.owner_a, Role.MANAGER))
    api_key_id = _job(job_id).api_key_id
    assert api_key_id is not None
    with tenant_scope(world.org_a):
        api_key_revoke(org=world.org_a, actor=world.owner_a.actor, api_key_id=api_key_id)
    assert execute_job(job_id) == JobStatus.FAILED
    assert "API key that started this job was revoked" in _job(job_id).message
    assert _customers(world.org_a) == 0


def test_system_jobs_still_run_as_the_system(world: World) -> None:
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=system_actor(world.org_a),
            kind="customers.sample",
            params={"count": 1},
            enqueue=False,
        )
    assert job.started_by == StartedBy.SYSTEM
    assert execute_job(job.pk) == JobStatus.SUCCEEDED


def test_an_api_key_sees_the_jobs_it_started(world: World, api_for: Any) -> None:
    mine = api_for(world.owner_a, Role.MANAGER)
    other = api_for(world.owner_a, Role.MANAGER)
    owner = api_for(world.owner_a, Role.OWNER)
    job_id = _api_start(mine)
    assert mine.get(f"/api/v1/jobs/{job_id}").status_code == 200
    assert [j["id"] for j in mine.get("/api/v1/jobs").json()["items"]] == [job_id]
    # Another key with the same role sees none of it; a settings manager sees everything.
    assert other.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert other.get("/api/v1/jobs").json()["items"] == []
    assert owner.get(f"/api/v1/jobs/{job_id}").status_code == 200
    cancelled = mine.post(f"/api/v1/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == JobStatus.CANCELLED


# --- Cancelling races a worker's claim ------------------------------------------------------


@contextmanager
def worker_acts_after_first_read(job_id: int, action: Callable[[], object]) -> Iterator[list[Any]]:
    """Runs `action` right after the first SELECT on jobs_job (a worker acting in between),
    and yields the job's (status, cancel_requested, message) after each later UPDATE of it.

    Everything runs on the test's connection, so it is rolled back with the service's
    transaction; the snapshots show what the service wrote before that.
    """
    seen: list[Any] = []
    acted = inside = False

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal acted, inside
        result = execute(sql, params, many, context)
        if inside or '"jobs_job"' not in sql:
            return result
        inside = True
        try:
            verb = sql.lstrip().split(None, 1)[0].upper()
            if verb == "SELECT" and not acted:
                acted = True
                action()
            elif verb == "UPDATE":
                seen.append(
                    Job.unscoped.values_list("status", "cancel_requested", "message").get(pk=job_id)
                )
        finally:
            inside = False
        return result

    with connection.execute_wrapper(wrapper):
        yield seen


def _cancel_audits(org: Organization) -> int:
    with tenant_scope(org):
        return AuditEntry.objects.filter(action="jobs.job.cancelled").count()


def test_cancel_of_a_job_a_worker_claims_meanwhile_still_stops_it(world: World) -> None:
    job = _start(world.manager_a)

    def worker_claims() -> None:
        Job.unscoped.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1)

    with tenant_scope(world.org_a), worker_acts_after_first_read(job.pk, worker_claims):
        cancelled = job_cancel(org=world.org_a, actor=world.manager_a.actor, job_id=job.pk)
    assert (cancelled.status, cancelled.cancel_requested, cancelled.message) == (
        JobStatus.RUNNING,
        True,
        "Cancelling…",
    )
    assert _cancel_audits(world.org_a) == 1


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING])
def test_cancel_of_a_job_that_finishes_meanwhile_says_so_and_writes_nothing(
    world: World, status: str
) -> None:
    job = _start(world.manager_a)
    Job.unscoped.filter(pk=job.pk).update(status=status)

    def worker_finishes() -> None:
        Job.unscoped.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, message="Done.")

    with (
        tenant_scope(world.org_a),
        worker_acts_after_first_read(job.pk, worker_finishes) as seen,
        pytest.raises(DomainError, match="already finished"),
    ):
        job_cancel(org=world.org_a, actor=world.manager_a.actor, job_id=job.pk)
    assert set(seen) <= {(JobStatus.SUCCEEDED, False, "Done.")}, seen
    assert _cancel_audits(world.org_a) == 0


# --- Queued jobs whose task was lost are enqueued again --------------------------------------


class BrokenBackend(BaseTaskBackend):
    """A task backend that is down: every enqueue raises."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        raise ConnectionError("the task backend is down")


BROKEN = {"default": {"BACKEND": "tests.jobs.test_jobs.BrokenBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _age(job_id: int, settings: Any) -> None:
    old = timezone.now() - settings.JOB_STALE_AFTER - timedelta(seconds=5)
    Job.unscoped.filter(pk=job_id).update(created_at=old)


@pytest.mark.django_db(transaction=True)
def test_a_failing_enqueue_is_no_500_and_the_reaper_enqueues_the_job(
    world: World, api_for: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Committed for real: the on-commit enqueue runs inside the request, and fails."""
    settings.TASKS = BROKEN
    job_id = _api_start(api_for(world.owner_a, Role.MANAGER), count=1)
    assert "the task backend is down" in caplog.text
    assert (_job(job_id).status, _job(job_id).task_id) == (JobStatus.QUEUED, "")

    settings.TASKS = IMMEDIATE
    assert jobs_reap() == {"requeued": 0, "failed": 0}  # not old enough to be called lost
    _age(job_id, settings)
    assert jobs_reap() == {"requeued": 1, "failed": 0}
    assert _job(job_id).status == JobStatus.SUCCEEDED
    assert _customers(world.org_a) == 1


def test_the_reaper_enqueues_queued_jobs_whose_task_is_gone(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE
    jobs: dict[str, Job] = {}
    for name in ("waiting", "orphaned", "finished", "never_enqueued", "young"):
        with tenant_scope(world.org_a), django_capture_on_commit_callbacks(execute=True):
            jobs[name] = job_start(
                org=world.org_a,
                actor=world.manager_a.actor,
                kind="customers.sample",
                params={"count": 1},
                enqueue=name != "never_enqueued" and name != "young",
            )
        if name != "young":
            _age(jobs[name].pk, settings)
    task_ids = {name: _job(job.pk).task_id for name, job in jobs.items()}
    long_ago = timezone.now() - settings.JOB_STALE_AFTER - timedelta(seconds=5)
    # A worker took the task and died before claiming the job: the task stays RUNNING.
    DBTaskResult.objects.filter(id=task_ids["orphaned"]).update(
        status="RUNNING", started_at=long_ago
    )
    # A task that ended without running its job (e.g. a reaper's enqueue that failed after).
    DBTaskResult.objects.filter(id=task_ids["finished"]).update(
        status="SUCCESSFUL", finished_at=long_ago
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap() == {"requeued": 3, "failed": 0}

    after = {name: _job(job.pk).task_id for name, job in jobs.items()}
    assert after["waiting"] == task_ids["waiting"]  # its task will still run it
    assert after["young"] == task_ids["young"] == ""  # too young to be called lost
    for name in ("orphaned", "finished", "never_enqueued"):
        assert after[name] not in ("", task_ids[name]), name
        assert DBTaskResult.objects.get(id=after[name]).status == "READY"
    assert DBTaskResult.objects.get(id=task_ids["orphaned"]).status == "FAILED"

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap() == {"requeued": 0, "failed": 0}  # the new tasks are waiting


# --- Failure messages are written for users --------------------------------------------------


@pytest.fixture
def exploding_kind() -> Iterator[str]:
    name = "tests.explodes"

    @job_kind(name, label="Explodes", capability=Cap.JOBS_START)
    def explode(ctx: JobContext) -> None:
        raise RuntimeError("could not connect to 10.0.0.5 with password=hunter2")

    try:
        yield name
    finally:
        registry._KINDS.pop(name)


def test_an_unexpected_error_shows_a_generic_message_and_is_logged(
    world: World, exploding_kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    job = _start(world.manager_a, kind=exploding_kind)
    assert execute_job(job.pk) == JobStatus.FAILED
    message = _job(job.pk).message
    assert message == "The job failed unexpectedly; the details are in the worker's log."
    assert "hunter2" not in message
    assert "password=hunter2" in caplog.text  # the details, for whoever runs the worker


def test_a_domain_error_message_reaches_the_user(world: World) -> None:
    job = _start(world.manager_a, count=0)
    assert execute_job(job.pk) == JobStatus.FAILED
    assert _job(job.pk).message == "Choose between 1 and 100,000 customers."


def test_a_job_resumed_after_its_last_batch_reports_no_negative_count(world: World) -> None:
    job = _start(world.manager_a, count=120)  # 3 batches of 50
    Job.unscoped.filter(pk=job.pk).update(checkpoint={"next_batch": 3})
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    assert _job(job.pk).result["created"] == 0
    assert _customers(world.org_a) == 0


# --- The daily scheduler -------------------------------------------------------------------


@pytest.fixture
def daily_entry() -> Iterator[list[tuple[str, Organization | None]]]:
    import datetime as dt

    from regulars.jobs import scheduler

    seen: list[tuple[str, Organization | None]] = []
    entry = scheduler.Daily(
        "test.daily", dt.time(3, 0), lambda org: seen.append((org.slug, current_org()))
    )
    scheduler._DAILY.append(entry)
    try:
        yield seen
    finally:
        scheduler._DAILY.remove(entry)


def test_daily_entries_run_in_their_organizations_scope(
    world: World, daily_entry: list[tuple[str, Organization | None]]
) -> None:
    tick(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    scopes = {slug: org.slug if org else None for slug, org in daily_entry}
    assert scopes == {world.org_a.slug: world.org_a.slug, world.org_b.slug: world.org_b.slug}


def test_claimed_slots_cost_no_failed_insert_on_later_ticks(
    world: World, daily_entry: list[tuple[str, Organization | None]]
) -> None:
    noon = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    tick(noon)
    assert len(daily_entry) == 2
    for later in (noon, noon + timedelta(hours=3)):
        with CaptureQueriesContext(connection) as queries:
            tick(later)
        inserts = [
            q["sql"]
            for q in queries
            if q["sql"].upper().startswith("INSERT") and "test.daily" in q["sql"]
        ]
        assert inserts == [], inserts
    assert len(daily_entry) == 2
    with CaptureQueriesContext(connection) as queries:
        assert tick(noon) == []  # every slot of that instant is claimed already
    assert not [q for q in queries if "jobs_scheduledrun" in q["sql"] and "INSERT" in q["sql"]]


def test_ctrl_c_in_the_foreground_cancels_the_job(world: World) -> None:
    from regulars.jobs import runner

    def interrupt(job: Job) -> None:
        if job.progress_done == 1:
            raise KeyboardInterrupt

    with tenant_scope(world.org_a):
        foreground = job_start(
            org=world.org_a,
            actor=world.manager_a.actor,
            kind="customers.sample",
            params={"count": 200},
            enqueue=False,
        )
    with pytest.raises(KeyboardInterrupt):
        runner.execute_job(foreground.pk, listener=interrupt, foreground=True)
    stopped = Job.unscoped.get(pk=foreground.pk)
    assert stopped.status == JobStatus.CANCELLED
    assert jobs_reap(now=timezone.now() + timedelta(hours=1)) == {"requeued": 0, "failed": 0}


def test_sample_customers_of_a_limited_member_go_to_their_locations(world: World) -> None:
    from tests.factories import make_member

    limited = make_member(
        world.org_a, "manager", email="lm2@example.test", locations=[world.loc_a2]
    )
    with tenant_scope(world.org_a):
        job = job_start(
            org=world.org_a,
            actor=limited.actor,
            kind="customers.sample",
            params={"count": 3},
            enqueue=False,
        )
    assert execute_job(job.pk) == JobStatus.SUCCEEDED
    with tenant_scope(world.org_a):
        for customer in Customer.objects.all():
            assert not customer.all_locations
            assert [loc.pk for loc in customer.locations.all()] == [world.loc_a2.pk]
