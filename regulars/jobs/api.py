"""/api/v1/jobs: progress of long work, and cancelling it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.jobs import selectors, services
from regulars.jobs.schemas import JobIn, JobOut
from regulars.tenancy.http import actor_of

router = Router(tags=["jobs"])


@router.get("/jobs", response={200: Page[JobOut], **ERRORS})
def job_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(selectors.job_list(org=actor.org, actor=actor), cursor=cursor, limit=limit)


@router.post("/jobs", response={202: JobOut, **WRITE_ERRORS})
def job_start(request: HttpRequest, payload: JobIn) -> Any:
    actor = actor_of(request)
    job = services.job_start(
        org=actor.org, actor=actor, kind=payload.kind, params=payload.params.dict()
    )
    job.refresh_from_db()
    return Status(202, job)


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS})
def job_get(request: HttpRequest, job_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.job_get_for_actor(org=actor.org, actor=actor, job_id=job_id)


@router.post("/jobs/{job_id}/cancel", response={200: JobOut, **WRITE_ERRORS})
def job_cancel(request: HttpRequest, job_id: PathId) -> Any:
    actor = actor_of(request)
    return services.job_cancel(org=actor.org, actor=actor, job_id=job_id)
