"""The export job: counts, writes the file with progress, then marks it ready and logs it.

Each attempt writes its own file (`exports/<token>-<attempt>.<format>`): if the worker
stopped answering and the reaper started another attempt, the two never write into one
file, and whichever settles the export first wins (`export_finish` checks the job's claim
and the export's status in one transaction); the other deletes its file. Nothing is logged
as exported until a file is whole. A restarted attempt starts the file again: a half
written file has no checkpoint worth resuming.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobCancelled, JobContext, JobSuperseded
from regulars.tenancy.access import Cap
from regulars.transfer.export_files import CHUNK, Written, export_query, stream_rows, write_export
from regulars.transfer.export_selectors import (
    cell_context,
    export_columns_chosen,
    resolve_target,
)
from regulars.transfer.exports import export_failed, export_finish
from regulars.transfer.models import ExportRun, ExportStatus

PROGRESS_EVERY = 10 * CHUNK  # rows between progress reports (each checks for a cancel)
HEARTBEAT_SECONDS = 10.0  # and at least this often, however slow the rows come
SELECTION_CHUNK = 5000  # ids per query when a selection is written


@job_kind("transfer.export", label="Export customers", capability=Cap.TRANSFER_EXPORT)
def export_customers(ctx: JobContext) -> dict[str, Any]:
    run = ExportRun.objects.select_related("organization").get(pk=int(ctx.params["export_id"]))
    if run.status != ExportStatus.PREPARING:
        return {"message": "This export was already settled."}
    name = f"exports/{run.token}-{ctx.job.attempts}.{run.format}"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = _write(ctx, run, path)
        won = export_finish(
            run=run, actor=ctx.actor, name=name, written=written, still_mine=ctx.heartbeat
        )
    except JobSuperseded:
        path.unlink(missing_ok=True)  # another attempt owns the export now
        raise
    except JobCancelled:
        path.unlink(missing_ok=True)
        export_failed(run=run, actor=ctx.actor, reason="Cancelled before the file was finished.")
        raise
    except Exception as exc:
        path.unlink(missing_ok=True)
        reason = getattr(exc, "detail", "") or "The export failed; the worker's log says why."
        export_failed(run=run, actor=ctx.actor, reason=str(reason))
        raise
    if not won:
        path.unlink(missing_ok=True)
        return {"message": "This export was settled by another attempt."}
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
    last = {"done": 0, "at": time.monotonic()}

    def progress(done: int) -> None:
        due = time.monotonic() - last["at"] >= HEARTBEAT_SECONDS
        if done - last["done"] >= PROGRESS_EVERY or due:
            last.update(done=done, at=time.monotonic())
            ctx.progress(min(done, total), message=f"{done:,} of {total:,} customers")

    return write_export(
        path=path,
        file_format=run.format,
        columns=columns,
        chunks=rows,
        progress=progress,
        temp_dir=str(settings.DATA_DIR / "uploads"),
    )
