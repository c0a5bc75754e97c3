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
from regulars.jobs.models import Job, JobStatus
from regulars.jobs.registry import get_kind, kinds
from regulars.jobs.runner import enqueue_on_commit
from regulars.jobs.selectors import job_get_for_actor
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


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

    `enqueue=False` is for the command line, which runs the job in the foreground.
    """
    assert_in_scope(org)
    if kind not in kinds():
        raise DomainError.for_field("kind", f"Unknown job kind {kind!r}.")
    job_kind = get_kind(kind)
    actor.require(job_kind.capability)
    job = Job.objects.create(
        organization=org,
        kind=kind,
        label=(label or job_kind.label)[:200],
        requester=actor.user,
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
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    job = job_get_for_actor(org=org, actor=actor, job_id=job_id)
    if job.is_finished:
        raise DomainError(detail="This job has already finished.", code="job_finished")
    if job.status == JobStatus.QUEUED:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED,
            cancel_requested=True,
            finished_at=timezone.now(),
            message="Cancelled before it started.",
        )
    else:
        Job.objects.filter(pk=job.pk).update(cancel_requested=True, message="Cancelling…")
    audit_record(org=org, actor=actor, action="jobs.job.cancelled", target=job)
    job.refresh_from_db()
    return job


def jobs_reap(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue (from the checkpoint) or fail running jobs whose heartbeat went stale.

    Safe to run from several workers at once: each job is moved by a conditional update
    that only one of them wins.
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
    return {"requeued": requeued, "failed": failed}


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
