"""How an export reads each column of the registry: one SQL expression per column.

An export of a million customers cannot afford Python per cell, so a column's cell is a
database expression over the customer row (labels for choices, a name from its parts, an
age from the date of birth, categories from their table). The export wraps text cells in
`Neutralised` and shows moments in the organization's time zone (`LocalMoment`); the
database does the work for every row, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, ExtractYear

from regulars.core.csv_safe import Neutralised
from regulars.customers.models import CustomField, CustomFieldType, CustomFieldValue

TEXT = "text"  # neutralised against formulas
NUMBER = "number"  # written as a number
DATE = "date"  # a day (ISO in CSV, a date cell in XLSX)
MOMENT = "moment"  # a date and time, in the organization's time zone


@dataclass(frozen=True)
class CellContext:
    time_zone: str
    today: date


@dataclass(frozen=True)
class Cell:
    expression: Callable[[CellContext], Any]
    kind: str = TEXT


def text(name: str) -> Cell:
    return Cell(lambda ctx: F(name))


def number(name: str) -> Cell:
    return Cell(lambda ctx: F(name), NUMBER)


def day(name: str) -> Cell:
    return Cell(lambda ctx: F(name), DATE)


def moment(name: str) -> Cell:
    return Cell(lambda ctx: F(name), MOMENT)


def choice(name: str, choices: list[tuple[str, Any]]) -> Cell:
    """The label people read, not the stored value."""
    return Cell(
        lambda ctx: Case(
            *[When(**{name: value}, then=Value(str(label))) for value, label in choices],
            default=F(name),
            output_field=CharField(),
        )
    )


class FullName(Func):
    """The person's name, else the company's (`Customer.display_name`), without the
    COALESCE around every part that Concat adds: the parts are never NULL."""

    cheap = True  # Neutralised may repeat it rather than wrap it in a subquery
    output_field = CharField()
    template = "COALESCE(NULLIF(TRIM(%(expressions)s), ''), %(company)s)"

    def __init__(self) -> None:
        super().__init__(F("first_name"), F("last_name"), F("company"))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        parts = [compiler.compile(e) for e in self.source_expressions]
        (first, p1), (last, p2), (company, p3) = parts
        sql = f"COALESCE(NULLIF(TRIM({first} || ' ' || {last}), ''), {company})"
        return sql, [*p1, *p2, *p3]


NAME = Cell(lambda ctx: FullName())


def _age(ctx: CellContext) -> Any:
    """Years since the date of birth; one fewer until this year's birthday (`birth_mmdd`
    is the generated month*100+day the birthday filter uses)."""
    today_mmdd = ctx.today.month * 100 + ctx.today.day
    return (
        Value(ctx.today.year)
        - ExtractYear("date_of_birth")
        - Case(
            When(birth_mmdd__gt=today_mmdd, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


AGE = Cell(_age, NUMBER)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

BIRTHDAY = Cell(
    lambda ctx: Case(
        *[
            When(
                birth_mmdd__gte=number * 100,
                birth_mmdd__lt=number * 100 + 100,
                then=Concat(
                    # "05 Mar", as the list shows it: the day is birth_mmdd's last two digits.
                    Func(
                        Cast(F("birth_mmdd") - number * 100 + 100, CharField()),
                        Value(2),
                        Value(2),
                        function="SUBSTR",
                        output_field=CharField(),
                    ),
                    Value(f" {name}"),
                    output_field=CharField(),
                ),
            )
            for number, name in enumerate(_MONTHS, start=1)
        ],
        default=Value(""),
        output_field=CharField(),
    )
)

_CATEGORIES_SQL = {
    "sqlite": (
        "SELECT GROUP_CONCAT(name, ', ') FROM (SELECT k.name FROM customers_category k "
        "JOIN customers_customer_categories m ON m.category_id = k.id "
        'WHERE m.customer_id = "customers_customer"."id" ORDER BY k.name)'
    ),
    "postgresql": (
        "SELECT STRING_AGG(k.name, ', ' ORDER BY k.name) FROM customers_category k "
        "JOIN customers_customer_categories m ON m.category_id = k.id "
        'WHERE m.customer_id = "customers_customer"."id"'
    ),
}


class _Categories(RawSQL):
    """The customer's categories by name, comma separated (one correlated subquery)."""

    def __init__(self) -> None:
        super().__init__(_CATEGORIES_SQL["sqlite"], (), output_field=CharField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return f"({_CATEGORIES_SQL['postgresql']})", ()


CATEGORIES = Cell(lambda ctx: _Categories())


class LocalMoment(Func):
    """A stored UTC moment as 'YYYY-MM-DD HH:MM:SS' in a time zone.

    PostgreSQL knows time zones. SQLite does not: the zone's UTC offsets since 1970 become a
    CASE over the moments they changed (stored moments are ISO text in UTC, so they compare
    as strings), newest first, as most rows are recent."""

    output_field = CharField()

    def __init__(self, expression: Any, time_zone: str) -> None:
        super().__init__(expression)
        self.time_zone = time_zone

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        inner, params = compiler.compile(self.source_expressions[0])
        sql = f"TO_CHAR({inner} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"
        return sql, [*params, self.time_zone]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        inner, params = compiler.compile(self.source_expressions[0])
        shift, values = _shift(inner, list(params), offset_changes(self.time_zone))
        sql = f"STRFTIME('%%Y-%%m-%%d %%H:%%M:%%S', {inner}, {shift})"
        return sql, [*params, *values]


def _shift(inner: str, params: list[Any], changes: list[tuple[str, int]]) -> tuple[str, list[Any]]:
    """The offset modifier for `inner`: a CASE that halves the changes at each level (a few
    comparisons a row for decades of daylight saving), linear within a handful."""
    if len(changes) <= 4:
        whens, values = [], []
        for since, minutes in reversed(changes[1:]):
            whens.append(f"WHEN {inner} >= %s THEN %s")
            values += [*params, since, f"{minutes:+d} minutes"]
        first = f"{changes[0][1]:+d} minutes"
        if not whens:
            return "%s", [first]
        return f"CASE {' '.join(whens)} ELSE %s END", [*values, first]
    middle = len(changes) // 2
    later, later_values = _shift(inner, params, changes[middle:])
    earlier, earlier_values = _shift(inner, params, changes[:middle])
    sql = f"CASE WHEN {inner} >= %s THEN {later} ELSE {earlier} END"
    return sql, [*params, changes[middle][0], *later_values, *earlier_values]


_OFFSETS: dict[str, list[tuple[str, int]]] = {}


def offset_changes(time_zone: str) -> list[tuple[str, int]]:
    """(UTC moment as stored text, offset in minutes from then on), oldest first, from 1970
    to two years ahead: found week by week, then to the minute, so every change is kept."""
    until = datetime.now(UTC).year + 2
    if time_zone in _OFFSETS:
        return _OFFSETS[time_zone]
    zone = ZoneInfo(time_zone)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset() or timedelta()
        return int(delta.total_seconds() // 60)

    start = datetime(1970, 1, 1, tzinfo=UTC)
    changes = [(start.strftime("%Y-%m-%d %H:%M:%S"), offset(start))]
    step = timedelta(days=7)
    moment = start
    end = datetime(until, 1, 1, tzinfo=UTC)
    while moment < end:
        following = moment + step
        if offset(following) != changes[-1][1]:
            low, high = moment, following  # the change is in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if offset(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            high = high.replace(second=0, microsecond=0)
            changes.append((high.strftime("%Y-%m-%d %H:%M:%S"), offset(high)))
        moment = following
    _OFFSETS[time_zone] = changes
    return changes


def custom_cell(field: CustomField) -> Cell:
    """A custom field's value for each customer (one correlated subquery); options by
    label, several joined with commas in the options' order."""
    values = CustomFieldValue.objects.filter(customer_id=OuterRef("pk"), field_id=field.pk)
    kind = field.field_type
    if kind == CustomFieldType.NUMBER:
        return Cell(lambda ctx: Subquery(values.values("number_value")[:1]), NUMBER)
    if kind == CustomFieldType.DATE:
        return Cell(lambda ctx: Subquery(values.values("date_value")[:1]), DATE)
    if kind == CustomFieldType.BOOL:
        shown = Case(
            When(bool_value=True, then=Value("Yes")),
            When(bool_value=False, then=Value("No")),
            output_field=CharField(),
        )
        return Cell(lambda ctx: Subquery(values.annotate(shown=shown).values("shown")[:1]))
    if kind == CustomFieldType.CHOICE:
        return Cell(lambda ctx: Subquery(values.values("option__label")[:1]))
    if kind == CustomFieldType.MULTI:
        return Cell(lambda ctx: _Options(field.pk))
    return Cell(lambda ctx: Subquery(values.values("text_value")[:1]))


_OPTIONS_SQL = {
    "sqlite": (
        "SELECT GROUP_CONCAT(label, ', ') FROM (SELECT o.label FROM customers_customfieldvalue v "
        "JOIN customers_customfieldoption o ON o.id = v.option_id "
        'WHERE v.customer_id = "customers_customer"."id" AND v.field_id = %s '
        "ORDER BY o.position, o.id)"
    ),
    "postgresql": (
        "SELECT STRING_AGG(o.label, ', ' ORDER BY o.position, o.id) "
        "FROM customers_customfieldvalue v JOIN customers_customfieldoption o "
        'ON o.id = v.option_id WHERE v.customer_id = "customers_customer"."id" '
        "AND v.field_id = %s"
    ),
}


class _Options(RawSQL):
    def __init__(self, field_id: int) -> None:
        super().__init__(_OPTIONS_SQL["sqlite"], (field_id,), output_field=CharField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return f"({_OPTIONS_SQL['postgresql']})", self.params


def cell_expression(cell: Cell, ctx: CellContext) -> Expression:
    """The column as the export selects it: text neutralised, moments local."""
    expression: Expression = cell.expression(ctx)
    if cell.kind == TEXT:
        return Neutralised(expression)
    if cell.kind == MOMENT:
        return LocalMoment(expression, ctx.time_zone)
    return expression
