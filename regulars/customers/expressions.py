"""Database expressions that must read the same in every engine's own SQL.

A stored generated column is computed by the database on every write, including writes
that do not come through Django (a restore from a dump, the sqlite3 shell, raw bulk
inserts), so it may only use the engine's built-in functions, never one Django registers
on its own SQLite connections (such as `django_date_extract`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Func, SmallIntegerField


class BirthMonthDay(Func):
    """month * 100 + day of a date (1231 for 31 December), NULL for NULL."""

    arity = 1
    output_field = SmallIntegerField()
    template = (
        "(EXTRACT(MONTH FROM %(expressions)s) * 100 + EXTRACT(DAY FROM %(expressions)s))::smallint"
    )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite keeps dates as 'YYYY-MM-DD' text.
        template = (
            "(CAST(substr(%(expressions)s, 6, 2) AS INTEGER) * 100"
            " + CAST(substr(%(expressions)s, 9, 2) AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra)
