"""Rules every tabular reader shares, so a CSV and a workbook with the same content give the
same table."""

from __future__ import annotations

from regulars.transfer.formats.base import FileRefused, Limits, RawRow


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def make_headers(cells: list[str], limits: Limits) -> list[str]:
    """Trailing empty headers are dropped (spreadsheet programs leave them behind); an
    empty header before the last is named "Column N" so every column can be mapped."""
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > limits.max_columns:
        raise FileRefused(
            f"The file has {len(cells):,} columns; at most {limits.max_columns:,} can be "
            "imported. Delete the columns you do not need and upload the file again."
        )
    for index, cell in enumerate(cells, start=1):
        if len(cell) > limits.max_cell:
            raise FileRefused(
                f"The header of column {index} is longer than {limits.max_cell:,} characters, "
                "so the first row does not look like column headers. Make the first row of "
                "the file hold short column names, such as “First name” and “Email”."
            )
    return [cell.strip() or f"Column {index}" for index, cell in enumerate(cells, start=1)]


def make_row(number: int, cells: list[str], headers: list[str], limits: Limits) -> RawRow:
    """Fit a row to the headers: pad short rows, reject rows with extra non-empty cells and
    cells over the length limit (the cells are still given, cut, for the error report).

    Extra cells that are empty are dropped silently: a trailing delimiter is common and
    loses nothing.
    """
    errors: list[str] = []
    width = len(headers)
    if len(cells) > width:
        used = len(cells)
        while used > width and not cells[used - 1].strip():
            used -= 1
        if used > width:
            errors.append(
                f"This row has {used:,} cells but there are only {width:,} column headers. "
                "Check for a missing header, or a delimiter inside a cell without quotes "
                "around it."
            )
        cells = cells[:width]
    elif len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    too_long = [index for index, cell in enumerate(cells) if len(cell) > limits.max_cell]
    if too_long:
        errors.append(
            f"The cell in column “{headers[too_long[0]]}” is longer than "
            f"{limits.max_cell:,} characters."
        )
        for index in too_long:
            cells[index] = cells[index][: limits.max_cell]
    return RawRow(number=number, cells=cells, error=" ".join(errors) or None)


def too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(
        f"The file has more than {limits.max_rows:,} rows, the most one import can take. "
        "Split it into smaller files and import them one after another."
    )
