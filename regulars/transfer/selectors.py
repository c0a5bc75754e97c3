"""Reads of imports. Imports are the organization's (whoever may import sees them all):
a colleague finishing or undoing someone else's import is the common case."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from regulars.core.errors import NotFound
from regulars.jobs.models import FINISHED, JobStatus
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope
from regulars.transfer.models import ImportRow, ImportRun, ImportStatus, RowOutcome

RUNNING = {
    ImportStatus.REVIEWING: "review_job",
    ImportStatus.IMPORTING: "import_job",
    ImportStatus.UNDOING: "undo_job",
}


def import_list(*, org: Organization, actor: Actor) -> QuerySet[ImportRun]:
    assert_in_scope(org)
    actor.require(Cap.TRANSFER_IMPORT)
    return ImportRun.objects.select_related("review_job", "import_job", "undo_job").order_by(
        "-created_at", "-id"
    )


def import_get_for_actor(
    *, org: Organization, actor: Actor, run_id: int, for_update: bool = False
) -> ImportRun:
    """Raises NotFound for missing and foreign imports alike."""
    runs = import_list(org=org, actor=actor)
    if for_update:
        runs = runs.select_for_update(of=("self",))
    run = runs.filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def import_settle(run: ImportRun) -> ImportRun:
    """A run whose job ended without finishing it (failed, cancelled, given up by the
    reaper) says so. The job is the truth about running work; the run follows it."""
    name = RUNNING.get(ImportStatus(run.status))
    job = getattr(run, name) if name else None
    if job is None or job.status not in FINISHED or job.status == JobStatus.SUCCEEDED:
        return run
    if run.status == ImportStatus.REVIEWING:
        status = ImportStatus.UPLOADED
    elif run.status == ImportStatus.UNDOING:
        status = ImportStatus.IMPORTED
    elif job.status == JobStatus.CANCELLED:
        status = ImportStatus.CANCELLED
    else:
        status = ImportStatus.FAILED
    ImportRun.objects.filter(pk=run.pk, status=run.status).update(status=status)
    run.status = status
    return run


def import_rows(
    *, run: ImportRun, outcome: str | None = None, after: int = 0, limit: int = 50
) -> list[ImportRow]:
    rows = ImportRow.objects.filter(run=run, number__gt=after).select_related("customer")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return list(rows.order_by("number")[:limit])


def import_rejected_iter(run: ImportRun) -> Iterator[ImportRow]:
    """Every rejected row in file order, read in pages (a file may reject many)."""
    after = 0
    while True:
        page = import_rows(run=run, outcome=RowOutcome.REJECTED, after=after, limit=1000)
        if not page:
            return
        yield from page
        after = page[-1].number
