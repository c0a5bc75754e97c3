"""Writing an export file: one streamed query into CSV or XLSX, in constant memory.

The rows come from a single query whose every column is a SQL expression from the column
registry (`customers.cells`): the database labels, joins and neutralises, and the rows go
from the cursor to the writer in chunks. On PostgreSQL the cursor is server-side, so a
million rows never sit in memory; XLSX is written by XlsxWriter in constant-memory mode
(rows flushed as they are written, strings inline) and continues on a further sheet after
1,048,575 rows.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import connection
from django.db.models import QuerySet

from regulars.core.csv_safe import neutralise
from regulars.customers.cells import DATE, MOMENT, NUMBER, CellContext, cell_expression
from regulars.customers.columns import Column
from regulars.customers.models import Customer

CHUNK = 2000  # rows fetched and written at a time
SHEET_ROWS = 1_048_575  # data rows on one sheet: Excel's 1,048,576 less the header
CSV = "csv"
XLSX = "xlsx"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Written:
    rows: int
    size: int
    sha256: str


def export_query(
    customers: QuerySet[Customer], columns: list[Column], ctx: CellContext, order: tuple[str, ...]
) -> tuple[str, Any]:
    """The SQL and parameters that select the chosen columns' cells, in `order`."""
    names = {f"x{n}": cell_expression(c.cell, ctx) for n, c in enumerate(columns) if c.cell}
    if len(names) != len(columns):
        raise ValueError("Every exported column needs a cell.")
    query = customers.annotate(**names).order_by(*order).values_list(*names)
    return query.query.sql_with_params()


def stream_rows(sql: str, params: Any) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of rows from one cursor (server-side on PostgreSQL)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return
            yield rows


def write_csv(
    path: Path, header: list[str], chunks: Iterator[list[tuple[Any, ...]]], progress: Progress
) -> int:
    """UTF-8 with a byte-order mark, so that a spreadsheet opens names in any script."""
    written = 0
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([neutralise(label) for label in header])  # custom labels are free text
        for rows in chunks:
            writer.writerows(rows)
            written += len(rows)
            progress(written)
    return written


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def write_xlsx(
    path: Path,
    header: list[str],
    kinds: list[str],
    chunks: Iterator[list[tuple[Any, ...]]],
    progress: Progress,
    *,
    temp_dir: str | None = None,
) -> int:
    """Each cell written as its kind: text as text (never a formula or a link), numbers as
    numbers, days and moments as dates."""
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "tmpdir": temp_dir,
    }
    book = xlsxwriter.Workbook(str(path), options)
    bold = book.add_format({"bold": True})
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    moment_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    writers: list[Callable[[Any, int, int, Any], Any]] = []
    for kind in kinds:
        if kind == NUMBER:
            writers.append(lambda s, r, c, v: s.write_number(r, c, float(v)))
        elif kind == DATE:
            writers.append(
                lambda s, r, c, v: (d := _as_date(v)) and s.write_datetime(r, c, d, day_format)
            )
        elif kind == MOMENT:
            writers.append(
                lambda s, r, c, v: (m := _as_moment(v)) and s.write_datetime(r, c, m, moment_format)
            )
        else:
            writers.append(lambda s, r, c, v: s.write_string(r, c, v))
    plan = list(enumerate(writers))
    sheet: Any = None
    row_on_sheet = SHEET_ROWS  # start a sheet with the first row
    written = 0
    try:
        for rows in chunks:
            for row in rows:
                if row_on_sheet == SHEET_ROWS:
                    sheet = book.add_worksheet()
                    sheet.write_row(0, 0, [neutralise(label) for label in header], bold)
                    sheet.freeze_panes(1, 0)
                    row_on_sheet = 0
                row_on_sheet += 1
                for column, write in plan:
                    value = row[column]
                    if value is not None and value != "":
                        write(sheet, row_on_sheet, column, value)
            written += len(rows)
            progress(written)
        if sheet is None:
            sheet = book.add_worksheet()
            sheet.write_row(0, 0, [neutralise(label) for label in header], bold)
    finally:
        book.close()
    return written


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of the file as it will be served."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def write_export(
    *,
    path: Path,
    file_format: str,
    columns: list[Column],
    chunks: Iterator[list[tuple[Any, ...]]],
    progress: Progress,
    temp_dir: str | None = None,
) -> Written:
    """Write the rows as CSV or XLSX; the size and SHA-256 are of the file as written."""
    header = [c.label for c in columns]
    if file_format == XLSX:
        kinds = [c.cell.kind if c.cell else "" for c in columns]
        rows = write_xlsx(path, header, kinds, chunks, progress, temp_dir=temp_dir)
    else:
        rows = write_csv(path, header, chunks, progress)
    size, sha256 = file_digest(path)
    return Written(rows=rows, size=size, sha256=sha256)
