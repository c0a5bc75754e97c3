"""`run_job`: the one task behind every Job, and the context a job kind works through.

The wrapper claims the job (so a task delivered twice runs once), enters the organization's
scope, checks that whoever started the job may still run it, heartbeats, honours cancellation and saves checkpoints. Checkpoints are written in
the same transaction as the unit of work they follow, so a worker killed mid-unit leaves
neither the unit nor its checkpoint, and the resumed job does that unit once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from regulars.accounts.models import ApiKey
from regulars.core.errors import DomainError
from regulars.jobs.models import Job, JobStatus, StartedBy
from regulars.jobs.registry import find_kind, get_kind
from regulars.tenancy.access import Actor, Channel, actor_for_membership, system_actor
from regulars.tenancy.models import StaffMembership
from regulars.tenancy.scope import tenant_scope

logger = logging.getLogger(__name__)

FAILED_MESSAGE = "The job failed unexpectedly; the details are in the worker's log."


class JobCancelled(Exception):
    """Raised inside a job when its requester asked to cancel; the job stops cleanly."""


class JobSuperseded(Exception):
    """This run lost its claim (the reaper re-queued the job): it must write nothing more.

    Raised from inside a unit's transaction, it rolls that unit back, so a run that was
    only slow, not dead, cannot do a unit twice beside its successor.
    """


ProgressListener = Callable[[Job], None]


class JobContext:
    """What a job kind works through: its job, the actor it acts as, progress and checkpoints.

    A unit of work must report (`progress`, `save_checkpoint`, `set_total` or `heartbeat`)
    at least once every `settings.JOB_STALE_AFTER`: the reaper takes a job whose heartbeat
    is older than that for the work of a dead worker and queues it again from its last
    checkpoint. A unit that may take longer must heartbeat inside it (or be split).

    `actor` carries the rights of whoever started the job, looked up again when the job
    (re)starts: the requester's current membership, the API key's role, or the system.
    """

    def __init__(self, job: Job, actor: Actor, listener: ProgressListener | None = None) -> None:
        self.job = job
        self.actor = actor
        self.org = actor.org
        self.listener = listener

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.job.params)

    @property
    def saved_checkpoint(self) -> dict[str, Any]:
        return dict(self.job.checkpoint)

    def _update(self, **fields: Any) -> None:
        fields["heartbeat_at"] = timezone.now()
        mine = Job.unscoped.filter(
            pk=self.job.pk, status=JobStatus.RUNNING, attempts=self.job.attempts
        )
        if not mine.update(**fields):
            raise JobSuperseded()
        for name, value in fields.items():
            setattr(self.job, name, value)
        if self.listener is not None:
            self.listener(self.job)

    def set_total(self, total: int | None) -> None:
        self._update(progress_total=total)

    def progress(self, done: int, *, message: str | None = None) -> None:
        """Report progress, heartbeat, and stop here if cancellation was requested."""
        fields: dict[str, Any] = {"progress_done": done}
        if message is not None:
            fields["message"] = message[:500]
        self._update(**fields)
        self.check_cancel()

    def save_checkpoint(self, data: dict[str, Any], *, done: int | None = None) -> None:
        """Call inside the transaction of the unit it follows."""
        fields: dict[str, Any] = {"checkpoint": data}
        if done is not None:
            fields["progress_done"] = done
        self._update(**fields)

    def heartbeat(self) -> None:
        self._update()

    def check_cancel(self) -> None:
        if Job.unscoped.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled()


class JobRefused(Exception):
    """Whoever started the job may no longer run it; the message says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _actor_for(job: Job) -> Actor:
    """The rights the job runs with: never more than its starter has now.

    Raises JobRefused when the requester left the organization (or their login was
    disabled), the API key was revoked, or the role no longer has the kind's capability.
    """
    org = job.organization
    if job.started_by == StartedBy.SYSTEM:
        actor = system_actor(org, channel=Channel.JOB)
    elif job.started_by == StartedBy.USER:
        membership = (
            StaffMembership.unscoped.select_related("organization", "user")
            .filter(
                organization=org,
                user_id=job.requester_id,
                is_active=True,
                user__is_active=True,
            )
            .first()
            if job.requester_id is not None
            else None
        )
        if membership is None:
            raise JobRefused(
                "The person who started this job is no longer a member of this "
                "organization, so the job did nothing."
            )
        actor = actor_for_membership(membership, channel=Channel.JOB)
    elif job.started_by == StartedBy.API_KEY:
        api_key = (
            ApiKey.unscoped.filter(organization=org, pk=job.api_key_id, revoked_at__isnull=True)
            .only("id", "role")
            .first()
            if job.api_key_id is not None
            else None
        )
        if api_key is None:
            raise JobRefused(
                "The API key that started this job was revoked, so the job did nothing."
            )
        actor = Actor(org=org, role=api_key.role, channel=Channel.JOB, api_key_id=api_key.pk)
    else:
        raise JobRefused("This job does not say who started it, so it did nothing.")
    kind = find_kind(job.kind)
    if kind is None:
        raise JobRefused(f"This kind of job ({job.kind}) no longer exists, so it did nothing.")
    if not actor.can(kind.capability):
        raise JobRefused(
            f"{actor.label} may no longer start this kind of job, so the job did nothing."
        )
    return actor


def _finish(job: Job, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    fields["heartbeat_at"] = timezone.now()
    Job.unscoped.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(**fields)


def execute_job(
    job_id: int, *, listener: ProgressListener | None = None, foreground: bool = False
) -> str:
    """Claim and run one job; returns the status it ended in (or why it did not run).

    `foreground` (the command line): Ctrl+C cancels the job, rather than leaving it
    running for the reaper to hand to a worker behind the user's back.
    """
    now = timezone.now()
    claimed = Job.unscoped.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=Coalesce("started_at", Value(now)),
    )
    if not claimed:
        return "not-claimed"
    job = Job.unscoped.select_related("organization").get(pk=job_id)
    with tenant_scope(job.organization):
        try:
            actor = _actor_for(job)
        except JobRefused as refused:
            logger.warning("Job %s (%s) refused: %s", job_id, job.kind, refused.message)
            _finish(job, status=JobStatus.FAILED, message=refused.message[:500])
            return JobStatus.FAILED
        ctx = JobContext(job, actor, listener)
        try:
            ctx.check_cancel()
            result = get_kind(job.kind).run(ctx) or {}
        except JobSuperseded:
            logger.warning("Job %s was re-queued while this run was alive; it stops.", job_id)
            return "superseded"
        except JobCancelled:
            _finish(job, status=JobStatus.CANCELLED, message="Cancelled.")
            return JobStatus.CANCELLED
        except KeyboardInterrupt:
            if foreground:
                _finish(
                    job,
                    status=JobStatus.CANCELLED,
                    message="Stopped from the command line; work done so far stays.",
                )
            raise
        except DomainError as exc:
            _finish(job, status=JobStatus.FAILED, message=exc.detail[:500])
            return JobStatus.FAILED
        except Exception:
            # The exception's text may carry SQL, paths or other people's data: it goes to
            # the worker's log, and the user reads a message written for them.
            logger.exception("Job %s (%s) failed", job_id, job.kind)
            _finish(job, status=JobStatus.FAILED, message=FAILED_MESSAGE)
            return JobStatus.FAILED
        total = ctx.job.progress_total
        done = total if total is not None else ctx.job.progress_done
        _finish(
            job,
            status=JobStatus.SUCCEEDED,
            result=result,
            progress_done=done,
            message=str(result.get("message", "Finished."))[:500],
        )
        return JobStatus.SUCCEEDED


@task()
def run_job(job_id: int) -> str:
    return execute_job(job_id)


def enqueue_job(job_id: int) -> None:
    """Hand the job to the task backend and remember the task's id."""
    result = run_job.enqueue(job_id=job_id)
    Job.unscoped.filter(pk=job_id).update(task_id=str(result.id)[:64])


def enqueue_on_commit(job_id: int) -> None:
    """Enqueue once the job row is committed.

    Robust: a task backend that fails here is logged and does not fail the caller's request
    (the job is committed); the reaper enqueues a queued job whose task never appeared.
    """
    transaction.on_commit(lambda: enqueue_job(job_id), robust=True)
