"""Reads of jobs. A job is visible to whoever started it and to whoever manages settings.

"Whoever started it" is the requester for a staff member, and the key for an API key: a
key sees the jobs started with it (not its creator's, nor other keys' of the same role).
"""

from __future__ import annotations

from django.db.models import QuerySet

from regulars.core.errors import NotFound
from regulars.jobs.models import Job
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


def job_list(*, org: Organization, actor: Actor) -> QuerySet[Job]:
    assert_in_scope(org)
    jobs = Job.objects.select_related("requester", "api_key").order_by("-created_at", "-id")
    if actor.can(Cap.SETTINGS_MANAGE):
        return jobs
    if actor.user is not None:
        return jobs.filter(requester=actor.user)
    if actor.api_key_id is not None:
        return jobs.filter(api_key_id=actor.api_key_id)
    return jobs.none()


def job_get_for_actor(*, org: Organization, actor: Actor, job_id: int) -> Job:
    """Raises NotFound for missing, foreign and other people's jobs alike."""
    job = job_list(org=org, actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
