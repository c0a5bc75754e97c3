"""The import's jobs: the dry run, the import, and undo.

The import commits batch by batch, each batch with its outcome rows and its checkpoint in
one transaction: a worker killed mid-batch leaves none of that batch, and the resumed job
starts at the first row after the last committed batch, so every row is imported once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.customers.bulk import large_write_cache
from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobCancelled, JobContext
from regulars.tenancy.access import Cap
from regulars.transfer import engine
from regulars.transfer.formats import FileRefused, RawRow
from regulars.transfer.models import ImportKey, ImportRow, ImportRun, ImportStatus, RowOutcome
from regulars.transfer.rowmap import Prepared, RowMapper
from regulars.transfer.services import import_path, import_table
from regulars.transfer.staging import read_rows, staging_path, write_row
from regulars.transfer.undo import undo_run

BATCH = 1000
# 64 MB of SQLite page cache: most of the speed of a larger one, and a worker's memory
# stays flat however large the file.
IMPORT_CACHE_KIB = 65_536
SAMPLE = 20  # rows shown as they will be stored
REJECT_SAMPLE = 100  # rejected rows listed with their reasons in the review


def _batches(
    rows: Iterator[RawRow], *, start: int = 0, size: int = BATCH
) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for row in rows:
        if row.number < start:
            continue
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _read(batches: Iterator[list[RawRow]]) -> Iterator[list[RawRow]]:
    """A refusal met while reading (an unclosed quote deep in the file, too many rows)
    ends the job with its reason, for the user."""
    try:
        yield from batches
    except FileRefused as refused:
        raise DomainError(detail=refused.reason, code="file_refused") from refused


def _complete(staged: Path, total: int) -> bool:
    """The kept rows are used only when they are all there."""
    if not staged.exists():
        return False
    with staged.open(encoding="utf-8") as handle:
        return sum(1 for _line in handle) == total


def _checked_batches(
    run: ImportRun, econtext: engine.Context, mapper: RowMapper, start: int
) -> Iterator[list[Prepared]]:
    """The dry run's checked rows when it kept them, else the file read and checked again."""
    staged = staging_path(import_path(run))
    if _complete(staged, int(run.review.get("total") or 0)):
        rows: Iterator[Prepared] = read_rows(
            staged,
            start=start,
            fields=econtext.custom_fields,
            options=econtext.options_by_label,
        )
    else:
        rows = (
            mapper.prepare(raw)
            for batch in _read(_batches(import_table(run).rows(), start=start))
            for raw in batch
        )
    batch: list[Prepared] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _mapper(ctx: JobContext, run: ImportRun, econtext: engine.Context) -> RowMapper:
    return RowMapper(
        org=ctx.org,
        headers=run.headers,
        mapping=run.mapping,
        custom_fields=econtext.custom_fields,
        constant_consent=run.constant_consent,
        blank_clears=econtext.options.blank_clears,
    )


def _shown(run: ImportRun, result: engine.Result) -> dict[str, Any]:
    """A row as it will be stored: each mapped column's stored value and its problem."""
    row = result.row
    errors = {e["column"]: e["message"] for e in row.errors if e["column"]}
    cells = []
    for index, header in enumerate(run.headers):
        target = run.mapping[index].get("target") if index < len(run.mapping) else "ignore"
        if target == "ignore":
            continue
        value: Any = row.record.get(str(target), row.cells[index] if index < len(row.cells) else "")
        if target == "categories":
            value = "; ".join(row.categories)
        elif str(target).endswith("_consent"):
            value = row.consent.get(str(target).removesuffix("_consent"), "")
        cells.append(
            {
                "header": header or f"Column {index + 1}",
                "value": str(value or ""),
                "error": errors.get(header, ""),
            }
        )
    return {
        "number": row.number,
        "outcome": result.outcome if row.ok else RowOutcome.REJECTED,
        "cells": cells,
        "errors": [e["message"] for e in row.errors if not e["column"]],
    }


@job_kind("transfer.import_review", label="Check an import file", capability=Cap.TRANSFER_IMPORT)
def import_review(ctx: JobContext) -> dict[str, Any]:
    """The dry run: every row prepared, matched and checked, nothing written but the keys
    that find repeats. Starts over if its worker dies (it changes nothing)."""
    run = ImportRun.objects.get(pk=int(ctx.params["run_id"]))
    large_write_cache(IMPORT_CACHE_KIB)
    ImportKey.objects.filter(run=run, phase=engine.REVIEW).delete()
    econtext = engine.Context.load(org=ctx.org, actor=ctx.actor, run=run)
    mapper = _mapper(ctx, run, econtext)
    table = import_table(run)
    counts = engine.tally([])
    sample: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    total = 0
    staged = staging_path(import_path(run))
    partial = staged.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as keep:
        for batch in _read(_batches(table.rows())):
            prepared = [mapper.prepare(r) for r in batch]
            for row in prepared:
                write_row(keep, row, econtext.custom_fields)
            with transaction.atomic():
                results = engine.process(econtext, prepared, write=False)
            counts = engine.tally(results, counts)
            total += len(batch)
            for result in results:
                if len(sample) < SAMPLE:
                    sample.append(_shown(run, result))
                if not result.row.ok and len(rejected) < REJECT_SAMPLE:
                    rejected.append({"number": result.row.number, "errors": result.row.errors})
            ctx.progress(total, message=f"{total:,} rows checked")
        keep.flush()
        os.fsync(keep.fileno())
    partial.replace(staged)  # whole or absent: a dry run killed mid-way leaves no file
    review = {"counts": counts, "total": total, "sample": sample, "rejected": rejected}
    ImportRun.objects.filter(pk=run.pk, status=ImportStatus.REVIEWING).update(
        status=ImportStatus.REVIEWED, review=review
    )
    ctx.set_total(total)
    return {
        **counts,
        "message": f"{total:,} rows: {counts['created']:,} to create, {counts['updated']:,} to "
        f"update, {counts['unchanged']:,} unchanged, {counts['rejected']:,} rejected.",
    }


@job_kind("transfer.import", label="Import customers", capability=Cap.TRANSFER_IMPORT)
def import_rows(ctx: JobContext) -> dict[str, Any]:
    run = ImportRun.objects.get(pk=int(ctx.params["run_id"]))
    large_write_cache(IMPORT_CACHE_KIB)
    saved = ctx.saved_checkpoint
    start = int(saved.get("next_row", 0))
    counts = engine.tally([], saved.get("counts"))
    last = ImportRow.objects.filter(run=run).aggregate(last=Max("number"))["last"]
    if last is not None and last + 1 > start:
        # A new job for a run that failed or was cancelled part-way: it goes on after the
        # rows already imported (their outcome rows say how far), never over them.
        start = last + 1
        counts = engine.tally([])
        for outcome, n in (
            ImportRow.objects.filter(run=run)
            .order_by()
            .values_list("outcome")
            .annotate(n=Count("id"))
        ):
            counts[outcome] = n
        saved = {**saved, "done": sum(counts.values())}
    elif not saved:
        ImportKey.objects.filter(run=run, phase=engine.IMPORT).delete()
    econtext = engine.Context.load(org=ctx.org, actor=ctx.actor, run=run)
    mapper = _mapper(ctx, run, econtext)
    done = int(saved.get("done", 0))
    try:
        for batch in _checked_batches(run, econtext, mapper, start):
            ctx.check_cancel()
            with transaction.atomic():
                results = engine.process(econtext, batch, write=True)
                counts = engine.tally(results, counts)
                done += len(batch)
                ctx.save_checkpoint(
                    {"next_row": batch[-1].number + 1, "counts": counts, "done": done}, done=done
                )
            if settings.JOB_TEST_UNIT_DELAY:
                time.sleep(settings.JOB_TEST_UNIT_DELAY)
            ctx.progress(done, message=f"{done:,} rows imported")
    except JobCancelled:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.CANCELLED, counts=counts, imported_at=timezone.now()
        )
        raise
    ImportKey.objects.filter(run=run).delete()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.IMPORTED, counts=counts, imported_at=timezone.now()
    )
    audit_record(
        org=ctx.org, actor=ctx.actor, action="transfer.import.finished", target=run, changes=counts
    )
    return {
        **counts,
        "message": f"{counts['created']:,} created, {counts['updated']:,} updated, "
        f"{counts['unchanged']:,} unchanged, {counts['rejected']:,} rejected.",
    }


@job_kind("transfer.import_undo", label="Undo an import", capability=Cap.TRANSFER_IMPORT)
def import_undo(ctx: JobContext) -> dict[str, Any]:
    run = ImportRun.objects.get(pk=int(ctx.params["run_id"]))
    report = undo_run(ctx, run)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.UNDONE, undone_at=timezone.now(), undo_report=report
    )
    audit_record(
        org=ctx.org,
        actor=ctx.actor,
        action="transfer.import.undone",
        target=run,
        changes={k: v for k, v in report.items() if isinstance(v, int)},
    )
    return {**{k: v for k, v in report.items() if isinstance(v, int)}, "message": report["message"]}
