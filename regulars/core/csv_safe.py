"""Cells that a spreadsheet would run as a formula are written with a leading apostrophe.

Every CSV or XLSX Regulars writes goes through `neutralise` (DESIGN: exported cells that
begin with = + - @, tab, CR or LF). Numbers and phone numbers (-5, +44 7700 900123) are
left alone: a spreadsheet reads them as values, and an apostrophe would break them for the
next import. `restore` undoes the apostrophe when such a file comes back in.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER_LIKE = re.compile(r"[+-]?[\d\s().,/-]*\d[\d\s().,/-]*")


def neutralise(cell: str) -> str:
    if cell and cell.startswith(TRIGGERS) and not _NUMBER_LIKE.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(TRIGGERS):
        return cell[1:]
    return cell
