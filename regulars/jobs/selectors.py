"""Reads of jobs. A job is visible to its requester and to whoever manages settings."""

from __future__ import annotations

from django.db.models import QuerySet

from regulars.core.errors import NotFound
from regulars.jobs.models import Job
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


def job_list(*, org: Organization, actor: Actor) -> QuerySet[Job]:
    assert_in_scope(org)
    jobs = Job.objects.select_related("requester").order_by("-created_at", "-id")
    if actor.can(Cap.SETTINGS_MANAGE):
        return jobs
    if actor.user is None:
        return jobs.none()
    return jobs.filter(requester=actor.user)


def job_get_for_actor(*, org: Organization, actor: Actor, job_id: int) -> Job:
    """Raises NotFound for missing, foreign and other people's jobs alike."""
    job = job_list(org=org, actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
