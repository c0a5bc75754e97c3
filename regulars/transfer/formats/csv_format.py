"""CSV and other delimited text, read as a stream of records.

Python's `csv` module parses; around it, a guard counts the characters each record takes,
because one unclosed quote turns the rest of the file into a single cell: without the
guard a 100 MB file would be read into one string before anything could complain.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from regulars.transfer.formats.base import FileRefused, Limits, RawRow, Table
from regulars.transfer.formats.detect import EMPTY
from regulars.transfer.formats.rows import is_blank, make_headers, make_row, too_many_rows
from regulars.transfer.formats.text import TextEncoding, detect_encoding, read_lines

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_ROWS = 50
# One record may hold this many times the longest cell: room for a row with a few long
# notes, far short of the whole file swallowed by an unclosed quote.
RECORD_FACTOR = 200


def record_cap(limits: Limits) -> int:
    return limits.max_cell * RECORD_FACTOR


class _RecordTooLong(Exception):
    pass


class _Guard:
    """Hands lines to `csv.reader`, counting the characters of the record being read.

    `ran_out` turns true when the reader asks for a line after the last one. It only asks
    mid-record when a quoted cell is still open at the end of the file.
    """

    def __init__(self, lines: Iterator[str], cap: int) -> None:
        self._lines = lines
        self._cap = cap
        self.chars = 0
        self.ran_out = False

    def __iter__(self) -> _Guard:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self.ran_out = True
            raise
        self.chars += len(line)
        if self.chars > self._cap:
            raise _RecordTooLong
        return line


def _fix_quotes(number: int) -> str:
    return (
        f"Check the quotes in row {number}: a cell that holds a quote, a delimiter or a line "
        'break must be wrapped in quotes, with its own quotes doubled (""). Then upload the '
        "file again."
    )


def _records(
    path: Path, encoding: TextEncoding, delimiter: str, limits: Limits
) -> Generator[tuple[int, list[str]], None, None]:
    """Every record with its row number (1 for the first), blank ones included so the
    numbers match what a spreadsheet program shows."""
    cap = record_cap(limits)
    # A process-wide setting; raised, never lowered, so no other reader is cut short. The
    # guard stops long records before the csv module's own limit is reached.
    csv.field_size_limit(max(csv.field_size_limit(), cap + 1))
    with closing(read_lines(path, encoding, cap + 1)) as lines:
        guard = _Guard(lines, cap)
        reader = csv.reader(guard, delimiter=delimiter, quotechar='"', doublequote=True)
        number = 0
        while True:
            number += 1
            guard.chars = 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _RecordTooLong:
                raise FileRefused(
                    f'Row {number} is longer than {cap:,} characters, or it has a quote (") '
                    "that is never closed, so the rest of the file cannot be read. "
                    + _fix_quotes(number)
                ) from None
            except csv.Error as error:
                raise FileRefused(
                    f"Row {number} could not be read as CSV ({error}). " + _fix_quotes(number)
                ) from None
            if guard.ran_out:
                raise FileRefused(
                    f'Row {number} has a quote (") that is never closed, so the rest of the '
                    "file ran into one cell (or the file was cut short). " + _fix_quotes(number)
                )
            if cells and cells[-1].endswith("\r"):
                cells[-1] = cells[-1][:-1]
            yield number, cells


def sniff_delimiter(path: Path, encoding: TextEncoding) -> str:
    """The delimiter that splits the first rows into the most consistent columns.

    Each candidate parses the sample with real CSV rules (quotes included); the winner
    gives every sampled row the header's width most often, then the most columns. A file
    no candidate splits is one column, read with ",".
    """
    pieces: list[str] = []
    total = 0
    with closing(read_lines(path, encoding, SNIFF_CHARS)) as lines:
        for line in lines:
            pieces.append(line)
            total += len(line)
            if total >= SNIFF_CHARS or len(pieces) >= SNIFF_ROWS:
                break
        cut = next(lines, None) is not None

    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(pieces, delimiter=delimiter) if not is_blank(row)]
        except csv.Error:
            continue
        if cut and len(rows) > 1:
            rows = rows[:-1]  # the last row of a cut sample may be partial
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def open_csv(path: Path, head: bytes, limits: Limits) -> Table:
    encoding = detect_encoding(path, head)
    delimiter = sniff_delimiter(path, encoding)

    header_number = 0
    headers: list[str] = []
    with closing(_records(path, encoding, delimiter, limits)) as records:
        for number, cells in records:
            if not is_blank(cells):
                header_number, headers = number, make_headers(cells, limits)
                break
    if not headers:
        raise FileRefused(EMPTY)

    def rows() -> Generator[RawRow, None, None]:
        """Data rows; raises FileRefused on reaching a row the file cannot go past (an
        unclosed quote, more rows than the limit), so read it all in a dry run first."""
        count = 0
        with closing(_records(path, encoding, delimiter, limits)) as records:
            for number, cells in records:
                if number <= header_number or is_blank(cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise too_many_rows(limits)
                yield make_row(number, cells, headers, limits)

    return Table(
        format="csv",
        headers=headers,
        rows=rows,
        encoding=encoding.label,
        delimiter=delimiter,
    )
