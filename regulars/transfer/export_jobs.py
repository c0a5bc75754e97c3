"""The export job: counts, writes the file with progress, then marks it ready and logs it.

A restarted job (its worker died) writes the file again from the start: a half-written
file has no checkpoint worth resuming, and nothing is logged until the file is whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobCancelled, JobContext
from regulars.tenancy.access import Cap
from regulars.transfer.export_files import CHUNK, Written, export_query, stream_rows, write_export
from regulars.transfer.exports import (
    cell_context,
    export_columns_chosen,
    export_failed,
    export_finish,
    export_path,
    resolve_target,
)
from regulars.transfer.models import ExportRun, ExportStatus

PROGRESS_EVERY = 10 * CHUNK  # rows between progress reports (each checks for a cancel)
SELECTION_CHUNK = 5000  # ids per query when a selection is written


@job_kind("transfer.export", label="Export customers", capability=Cap.TRANSFER_EXPORT)
def export_customers(ctx: JobContext) -> dict[str, Any]:
    run = ExportRun.objects.select_related("organization").get(pk=int(ctx.params["export_id"]))
    if run.status != ExportStatus.PREPARING:
        return {"message": "This export was already finished."}
    name = f"exports/{run.token}.{run.format}"
    path = export_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = _write(ctx, run, path)
    except JobCancelled:
        path.unlink(missing_ok=True)
        export_failed(run=run, actor=ctx.actor, reason="Cancelled before the file was finished.")
        raise
    except Exception as exc:
        path.unlink(missing_ok=True)
        reason = getattr(exc, "detail", "") or "The export failed; the worker's log says why."
        export_failed(run=run, actor=ctx.actor, reason=str(reason))
        raise
    export_finish(run=run, actor=ctx.actor, name=name, written=written)
    return {
        "export_id": run.pk,
        "rows": written.rows,
        "message": f"{written.rows:,} customers exported.",
    }


def _write(ctx: JobContext, run: ExportRun, path: Path) -> Written:
    target = resolve_target(
        actor=ctx.actor, scope=run.scope, query=run.query, selection_id=run.selection_id
    )
    columns = export_columns_chosen(ctx.org, ctx.actor, list(run.columns))
    cells = cell_context(ctx.org)
    if target.ids is not None:
        total = len(target.ids)
        ids = target.ids

        def chunks() -> Iterator[list[tuple[Any, ...]]]:
            for start in range(0, len(ids), SELECTION_CHUNK):
                part = target.customers.filter(id__in=ids[start : start + SELECTION_CHUNK])
                yield from stream_rows(*export_query(part, columns, cells, target.order))

        rows = chunks()
    else:
        total = target.customers.count()
        rows = stream_rows(*export_query(target.customers, columns, cells, target.order))
    ctx.set_total(total)
    reported = [0]

    def progress(done: int) -> None:
        if done - reported[0] >= PROGRESS_EVERY:
            reported[0] = done
            ctx.progress(min(done, total), message=f"{done:,} of {total:,} customers")

    temp = str(settings.DATA_DIR / "uploads")
    return write_export(
        path=path,
        file_format=run.format,
        columns=columns,
        chunks=rows,
        progress=progress,
        temp_dir=temp,
    )
