"""Import file readers: CSV, Excel (.xlsx) and vCard, chosen by the file's content.

`open_table` refuses what it can before returning (size, type, ZIP checks, headers, an
empty file); a few refusals can only come while the rows are read (an unclosed quote deep
in a CSV, more rows than the limit), which is why the import reads `Table.rows()` once in a
dry run before importing anything.
"""

from __future__ import annotations

from pathlib import Path

from regulars.transfer.formats.base import (
    DEFAULT_LIMITS,
    MB,
    FileRefused,
    Limits,
    RawRow,
    Table,
)
from regulars.transfer.formats.csv_format import open_csv
from regulars.transfer.formats.detect import detect_format
from regulars.transfer.formats.vcard_format import open_vcard
from regulars.transfer.formats.xlsx_format import open_xlsx

__all__ = [
    "DEFAULT_LIMITS",
    "MB",
    "FileRefused",
    "Limits",
    "RawRow",
    "Table",
    "open_table",
]

NO_ROWS = (
    "The file has column headers but no rows of data. Check you chose the right file (or "
    "sheet), or add rows below the headers and upload it again."
)


def open_table(
    path: Path, *, name: str, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Table:
    """Open the user's file as a table of text cells.

    `name` is the file's original name: its extension is a claim, and content decides the
    format (a CSV named .xlsx is read as CSV, a workbook named .csv as a workbook); it is
    used only to refuse macro-enabled workbook names. `sheet` picks a workbook sheet by
    name, the first by default. Raises FileRefused with a reason for the user.
    """
    kind, head = detect_format(path, limits=limits)
    if kind == "xlsx":
        table = open_xlsx(path, name=name, head=head, sheet=sheet, limits=limits)
    elif kind == "vcard":
        table = open_vcard(path, head, limits)
    else:
        table = open_csv(path, head, limits)
    rows = table.rows()
    try:
        first = next(rows, None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if first is None:
        raise FileRefused(NO_ROWS)
    return table
