"""Cells that a spreadsheet would run as a formula are written with a leading apostrophe.

Every CSV or XLSX Regulars writes goes through `neutralise` (one cell in Python) or
`Neutralised` (a column in SQL, for exports that stream a million rows without touching
each cell in Python). Any text starting with = + - @, tab, CR or LF is neutralised, phone
numbers (+44…) and "-2-3" included: a spreadsheet runs "+1+2" and "-2-3" as formulas.
Numeric columns are not text and stay numbers. `restore` undoes the apostrophe when such a
file comes back in through the import.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Func
from django.db.models.expressions import Col

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(cell: str) -> str:
    """Text that starts with a trigger, after any apostrophes, gets one more apostrophe: so
    "'=1" (which `restore` would take for a neutralised "=1") comes back as written."""
    if cell and cell.lstrip("'").startswith(TRIGGERS):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell.lstrip("'").startswith(TRIGGERS):
        return cell[1:]
    return cell


class Neutralised(Func):
    """`neutralise` as SQL: the same rule, the triggers as parameters, on both databases.

    Every trigger (and the apostrophe) sorts before "A", so text that does not is passed
    over with one comparison ("C" order on PostgreSQL, whose default collation would not
    sort by code point). The value is named several times and neither database computes
    a repeated expression once, so anything costlier than a column or a name (a subquery)
    is computed once in a one-row subquery and neutralised there."""

    output_field = CharField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        source = self.source_expressions[0]
        inner, params = compiler.compile(source)
        binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        marks = ", ".join(["%s"] * len(TRIGGERS))
        rule = ["A", "'", *TRIGGERS, "'"]
        if isinstance(source, Col) or getattr(source, "cheap", False):
            test = f"{inner}{binary} < %s AND SUBSTR(LTRIM({inner}, %s), 1, 1) IN ({marks})"
            case = f"CASE WHEN {test} THEN %s || {inner} ELSE {inner} END"
            return case, [*params, "A", *params, "'", *TRIGGERS, "'", *params, *params]
        test = f"v{binary} < %s AND SUBSTR(LTRIM(v, %s), 1, 1) IN ({marks})"
        case = f"CASE WHEN {test} THEN %s || v ELSE v END"
        # Only compiled SQL and placeholders are joined here; every value is a parameter.
        sql = f"(SELECT {case} FROM (SELECT {inner} AS v) AS cell)"  # noqa: S608
        return sql, [*rule, *params]
