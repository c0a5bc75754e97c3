"""Imports as the API and the pages show them, and the files they hand out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from regulars.core.csv_safe import neutralise
from regulars.jobs.models import Job
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import ImportRun, ImportStatus
from regulars.transfer.selectors import import_rejected_iter
from regulars.transfer.services import undo_deadline
from regulars.transfer.targets import TARGETS

RUNNING_JOB = {
    ImportStatus.REVIEWING: "review_job",
    ImportStatus.IMPORTING: "import_job",
    ImportStatus.UNDOING: "undo_job",
}


def current_job(run: ImportRun) -> Job | None:
    """The job that is (or last was) working on the run."""
    name = RUNNING_JOB.get(ImportStatus(run.status))
    if name:
        return getattr(run, name)  # type: ignore[no-any-return]
    return run.undo_job or run.import_job or run.review_job


def import_out(run: ImportRun) -> dict[str, Any]:
    columns = [
        {
            "header": header,
            "target": (run.mapping[i] if i < len(run.mapping) else {}).get("target", "ignore"),
            "type_column": (run.mapping[i] if i < len(run.mapping) else {}).get("type_column"),
        }
        for i, header in enumerate(run.headers)
    ]
    done = run.status in (ImportStatus.IMPORTED, ImportStatus.CANCELLED, ImportStatus.FAILED)
    return {
        "id": run.pk,
        "original_name": run.original_name,
        "size": run.size,
        "format": run.format,
        "encoding": run.encoding,
        "sheet": run.sheet,
        "sheets": run.sheets,
        "system": run.system,
        "status": run.status,
        "mode": run.mode,
        "match_keys": run.match_keys,
        "options": run.options,
        "columns": columns,
        "review": run.review,
        "counts": run.counts,
        "undo_report": run.undo_report,
        "undo_until": undo_deadline(run) if done and run.imported_at else None,
        "created_by": run.created_by_label,
        "created_at": run.created_at,
        "imported_at": run.imported_at,
        "undone_at": run.undone_at,
        "job": current_job(run),
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


def _line(writer: Any, cells: list[str]) -> str:
    return str(writer.writerow([neutralise(c) for c in cells]))


def rejected_csv_lines(run: ImportRun) -> Iterator[str]:
    """The file's header row plus "error", then each rejected row as it was read.

    A response streams this after the view has returned, so it opens the organization's
    scope again itself."""
    with tenant_scope(run.organization):
        yield from _rejected_lines(run)


def _rejected_lines(run: ImportRun) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # spreadsheets then read the file as UTF-8
    headers = [str(h) for h in run.headers]
    yield _line(writer, [*headers, "error"])
    for row in import_rejected_iter(run):
        cells = [str(c) for c in row.cells][: len(headers)]
        cells += [""] * (len(headers) - len(cells))
        reasons = "; ".join(
            f"{e['column']}: {e['message']}" if e.get("column") else e["message"]
            for e in row.errors
        )
        yield _line(writer, [*cells, f"Row {row.number}: {reasons}"])


def sample_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t.label for t in TARGETS])
    writer.writerow([neutralise(t.example) for t in TARGETS])
    return out.getvalue()
