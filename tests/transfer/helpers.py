"""Running an import through its services in a test: upload, configure, check, import."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from regulars.jobs.models import JobStatus
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import ImportRun
from regulars.transfer.services import (
    import_configure,
    import_review_start,
    import_start,
    import_undo_start,
    import_upload,
)


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def run_import(
    org: Organization,
    actor: Actor,
    content: bytes | Path,
    *,
    name: str = "people.csv",
    stop_after_review: bool = False,
    sheet: str | None = None,
    **configure: Any,
) -> ImportRun:
    """The whole import as the page drives it; the immediate task backend runs the jobs."""
    with tenant_scope(org):
        handle = content.open("rb") if isinstance(content, Path) else io.BytesIO(content)
        with handle:
            run = import_upload(org=org, actor=actor, content=handle, name=name, sheet=sheet)
        if configure:
            run = import_configure(org=org, actor=actor, run_id=run.pk, **configure)
        run = import_review_start(org=org, actor=actor, run_id=run.pk)
        run.refresh_from_db()
        assert run.review_job is not None
        assert run.review_job.status == JobStatus.SUCCEEDED, run.review_job.message
        if stop_after_review:
            return run
        run = import_start(org=org, actor=actor, run_id=run.pk)
        run.refresh_from_db()
        assert run.import_job is not None
        assert run.import_job.status == JobStatus.SUCCEEDED, run.import_job.message
        return run


def undo(org: Organization, actor: Actor, run: ImportRun) -> ImportRun:
    with tenant_scope(org):
        run = import_undo_start(org=org, actor=actor, run_id=run.pk)
        run.refresh_from_db()
        assert run.undo_job is not None
        assert run.undo_job.status == JobStatus.SUCCEEDED, run.undo_job.message
        return run
