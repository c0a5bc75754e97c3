"""What every file reader gives the import: a table of text cells, read one row at a time.

A reader never loads the whole file: an import of a million rows holds one batch in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MB = 1024 * 1024


class FileRefused(Exception):
    """The file is not one we will read; `reason` tells the user what to do instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """Refusals happen before parsing where they can (size, zip directory), else as the
    reader reaches them; a long cell rejects its row, not the file."""

    max_bytes: int = 100 * MB
    max_rows: int = 1_000_000
    max_columns: int = 500
    max_cell: int = 10_000  # characters; a longer cell rejects its row
    zip_max_entries: int = 10_000
    zip_max_uncompressed: int = 1024 * MB
    zip_max_ratio: int = 200  # uncompressed / compressed of any one entry


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class RawRow:
    """One data row. `number` is the row as the user sees it in a spreadsheet (the header
    row is 1, so the first data row is 2); for vCard, the contact's position + 1.
    `error` is set when the row cannot be used as it is (a cell over the limit, more
    cells than headers in a CSV); the cells are still given, cut to the limit."""

    number: int
    cells: list[str]
    error: str | None = None


@dataclass
class Table:
    format: str  # "csv", "xlsx" or "vcard"
    headers: list[str]
    rows: Callable[[], Iterator[RawRow]]  # a fresh pass over the data rows each call
    encoding: str | None = None  # csv: the detected encoding
    delimiter: str | None = None  # csv
    sheet: str | None = None  # xlsx: the sheet read
    sheets: list[str] = field(default_factory=list)  # xlsx: every sheet, for the chooser
