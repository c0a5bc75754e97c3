"""Writes on jobs: start, cancel, and the reaper that rescues jobs whose worker died."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.jobs.models import UNFINISHED, Job, JobStatus, StartedBy
from regulars.jobs.registry import get_kind, kinds
from regulars.jobs.runner import enqueue_on_commit, run_job
from regulars.jobs.selectors import job_get_for_actor
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

REAP_BATCH = 500  # queued jobs whose tasks are looked up in one query


@transaction.atomic
def job_start(
    *,
    org: Organization,
    actor: Actor,
    kind: str,
    params: dict[str, Any] | None = None,
    total: int | None = None,
    label: str | None = None,
    enqueue: bool = True,
) -> Job:
    """Create the Job row and queue its task once the row is committed.

    The job remembers who started it (the user, the API key, or nobody: system work) and
    runs with that starter's rights as they are when it runs, never with more.
    `enqueue=False` is for the command line, which runs the job in the foreground.
    """
    assert_in_scope(org)
    if kind not in kinds():
        raise DomainError.for_field("kind", f"Unknown job kind {kind!r}.")
    job_kind = get_kind(kind)
    actor.require(job_kind.capability)
    if actor.user is not None:
        started_by = StartedBy.USER
    elif actor.api_key_id is not None:
        started_by = StartedBy.API_KEY
    else:
        started_by = StartedBy.SYSTEM
    job = Job.objects.create(
        organization=org,
        kind=kind,
        label=(label or job_kind.label)[:200],
        requester=actor.user,
        api_key_id=actor.api_key_id,
        started_by=started_by,
        channel=actor.channel,
        params=params or {},
        progress_total=total,
    )
    audit_record(
        org=org,
        actor=actor,
        action="jobs.job.started",
        target=job,
        changes={"kind": kind, "params": params or {}},
    )
    if enqueue:
        enqueue_on_commit(job.pk)
    return job


@transaction.atomic
def job_cancel(*, org: Organization, actor: Actor, job_id: int) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress report.

    Every write is conditional on the status, because a worker may claim (or finish) the
    job between the read and the write: a job claimed meanwhile gets `cancel_requested`,
    one finished meanwhile answers "already finished", and only a change is audited.
    """
    job = job_get_for_actor(org=org, actor=actor, job_id=job_id)
    if job.is_finished:
        raise _already_finished()
    mine = Job.objects.filter(pk=job.pk)
    changed = mine.filter(status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        message="Cancelled before it started.",
    )
    if not changed:
        changed = mine.filter(status__in=UNFINISHED).update(
            cancel_requested=True, message="Cancelling…"
        )
    if not changed:
        raise _already_finished()
    audit_record(org=org, actor=actor, action="jobs.job.cancelled", target=job)
    job.refresh_from_db()
    return job


def _already_finished() -> DomainError:
    return DomainError(detail="This job has already finished.", code="job_finished")


def jobs_reap(*, now: datetime | None = None) -> dict[str, int]:
    """Rescue jobs whose worker (or whose enqueue) was lost.

    - A RUNNING job whose heartbeat is older than `JOB_STALE_AFTER` is queued again (it
      resumes from its checkpoint), or failed after `JOB_MAX_ATTEMPTS`.
    - A QUEUED job older than `JOB_STALE_AFTER` whose task is gone is enqueued again: its
      on-commit enqueue failed, the process died between commit and enqueue, or a worker
      took the task and died before claiming the job. Gone means: no task id, no such row
      in the database backend (or another backend, which cannot be asked), a finished
      task, or a task RUNNING for longer than `JOB_STALE_AFTER` without claiming the job.
      Both count as "requeued".

    Safe to run from several workers at once: each job is moved by a conditional update
    that only one of them wins, and a task delivered twice runs once (the claim).
    """
    now = now or timezone.now()
    cutoff = now - settings.JOB_STALE_AFTER
    requeued = failed = 0
    stale = Job.unscoped.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
    for job in stale.only("id", "attempts", "heartbeat_at", "task_id"):
        with transaction.atomic():
            same = Job.unscoped.filter(
                pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
            )
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                failed += same.update(
                    status=JobStatus.FAILED,
                    finished_at=now,
                    message=f"The worker stopped {job.attempts} times; giving up.",
                )
                continue
            if same.update(status=JobStatus.QUEUED, message="Resuming after the worker stopped."):
                requeued += 1
                _fail_dead_task(job.task_id, now)
                enqueue_on_commit(job.pk)
    requeued += _enqueue_lost(now=now, cutoff=cutoff)
    return {"requeued": requeued, "failed": failed}


def _enqueue_lost(*, now: datetime, cutoff: datetime) -> int:
    """Enqueue again the QUEUED jobs (created before `cutoff`) whose task is gone."""
    old = Job.unscoped.filter(status=JobStatus.QUEUED, created_at__lt=cutoff).order_by("id")
    enqueued = 0
    last_id = 0
    while True:
        batch = list(old.filter(id__gt=last_id).values_list("id", "task_id")[:REAP_BATCH])
        if not batch:
            return enqueued
        last_id = batch[-1][0]
        alive = _live_task_ids([task_id for _id, task_id in batch], cutoff)
        for job_id, task_id in batch:
            if task_id in alive:
                continue
            with transaction.atomic():
                # Clearing the task id is the claim: one reaper wins; if the enqueue fails
                # again, the empty id brings the job back here at the next run.
                if Job.unscoped.filter(pk=job_id, status=JobStatus.QUEUED, task_id=task_id).update(
                    task_id=""
                ):
                    enqueued += 1
                    _fail_dead_task(task_id, now)
                    enqueue_on_commit(job_id)


def _live_task_ids(task_ids: list[str], cutoff: datetime) -> set[str]:
    """The ids among these of tasks that will still run (or are running) their job."""
    if not _database_backend():
        return set()  # another backend cannot be asked: treat every task as missing
    uuids: dict[uuid.UUID, str] = {}
    for task_id in task_ids:
        try:
            uuids[uuid.UUID(task_id)] = task_id
        except ValueError:
            continue  # no task id, or not one of this backend's
    if not uuids:
        return set()
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(id__in=list(uuids)).values_list("id", "status", "started_at")
    return {
        uuids[task_uuid]
        for task_uuid, status, started_at in rows
        if status == "READY"
        or (status == "RUNNING" and started_at is not None and started_at >= cutoff)
    }


def _database_backend() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(run_job.get_backend(), DatabaseBackend)


def _fail_dead_task(task_id: str, now: datetime) -> None:
    """The task backend leaves a killed worker's task RUNNING forever; close it."""
    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return  # another backend's id, or none
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_uuid, status="RUNNING").update(
        status="FAILED", finished_at=now
    )
