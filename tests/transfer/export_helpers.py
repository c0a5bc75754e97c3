"""Reading exported files back as a spreadsheet program would, and the data log's entries."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import openpyxl
from openpyxl.utils.escape import unescape

from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import DataLogEntry

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def content_of(response: Any) -> bytes:
    """The body of a file response (streamed or not)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV exports start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_rows(content: bytes) -> list[list[Any]]:
    """Every sheet's rows, headers included once (each sheet repeats them)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows: list[list[Any]] = []
    for number, sheet in enumerate(book.worksheets):
        for index, row in enumerate(sheet.iter_rows()):
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
            if index == 0 and number > 0:
                continue
            # Control characters are escaped in XLSX (_x000D_ for CR): read as Excel reads them.
            rows.append([unescape(c.value) if isinstance(c.value, str) else c.value for c in row])
    return rows


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def log_entries(org: Organization, **filters: Any) -> list[DataLogEntry]:
    with tenant_scope(org):
        return list(DataLogEntry.objects.filter(**filters).order_by("id"))


def the_one_entry_of(org: Organization, export_id: int, content: bytes, rows: int) -> DataLogEntry:
    """The export's entries hold exactly one with a SHA-256 and row count, and they are
    those of the file served."""
    entries = [e for e in log_entries(org, export_id=export_id) if e.sha256 or e.row_count]
    assert len(entries) == 1, [(e.event, e.sha256, e.row_count) for e in entries]
    assert (entries[0].event, entries[0].sha256, entries[0].row_count) == (
        "exported",
        sha256(content),
        rows,
    )
    return entries[0]
