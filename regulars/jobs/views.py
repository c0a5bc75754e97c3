"""My jobs: a list, a detail page, and the progress partial that htmx polls."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError
from regulars.core.paging import paginate
from regulars.jobs import selectors, services
from regulars.tenancy.http import actor_of, staff_required


@staff_required()
def job_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(request, selectors.job_list(org=actor.org, actor=actor), per_page=25)
    return render(request, "jobs/job_list.html", {"page": page})


@staff_required()
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = actor_of(request)
    job = selectors.job_get_for_actor(org=actor.org, actor=actor, job_id=job_id)
    return render(request, "jobs/job_detail.html", {"job": job})


@staff_required()
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """Polled every second while the job runs; stops polling by omitting the trigger."""
    actor = actor_of(request)
    job = selectors.job_get_for_actor(org=actor.org, actor=actor, job_id=job_id)
    return render(request, "jobs/_progress.html", {"job": job})


@require_POST
@staff_required()
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        job = services.job_cancel(org=actor.org, actor=actor, job_id=job_id)
    except DomainError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.detail)
        job = selectors.job_get_for_actor(org=actor.org, actor=actor, job_id=job_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "jobs/_progress.html", {"job": job})
    return redirect("jobs:detail", job_id=job.pk)
