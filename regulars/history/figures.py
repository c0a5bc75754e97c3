"""The figures kept on each customer from their history, and the one way they are computed.

`figures_compute` turns a customer's history rows into the figures; every history service
calls `figures_refresh` for the customers it touched, inside its own transaction (after
locking the customer row, so two tills writing at once cannot lose a visit), and
`recompute-aggregates` and the daily window refresh use the same computation in batches.
Computing from the rows each time (a customer has tens of rows, read through an
(organization, customer, …) index) keeps the figures exactly what the history says,
whatever was edited, deleted or refunded.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from regulars.core.errors import DomainError
from regulars.customers.models import Customer
from regulars.history.models import Invoice, Order, Visit, VisitStatus
from regulars.tenancy.models import Organization

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
SHARE = Decimal("0.0001")
WINDOWS = (30, 90, 365)
BATCH = 2000


@dataclass(frozen=True)
class Figures:
    """The kept columns of one customer, named as on `Customer`."""

    total_spent: Decimal = Decimal("0.00")
    visit_count: int = 0
    first_visit: date | None = None
    last_visit: date | None = None
    avg_ticket: Decimal | None = None
    avg_interval_days: Decimal | None = None
    next_visit_due: date | None = None
    lapses_on: date | None = None
    outstanding_balance: Decimal = Decimal("0.00")
    oldest_overdue_on: date | None = None
    late_paid_share: Decimal | None = None
    spent_30: Decimal = Decimal("0.00")
    spent_90: Decimal = Decimal("0.00")
    spent_365: Decimal = Decimal("0.00")
    visits_30: int = 0
    visits_90: int = 0
    visits_365: int = 0
    figures_on: date | None = None


FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figures))
# Compared by `recompute-aggregates --check`; `figures_on` only says when they were computed.
CHECKED_FIELDS = tuple(f for f in FIGURE_FIELDS if f != "figures_on")
EMPTY = Figures()


@dataclass
class History:
    """One customer's rows, as plain values: (day, net) of completed visits, (day, total)
    of orders, (due, amount, paid, paid_on, written_off) of invoices."""

    visits: list[tuple[date, Decimal]]
    orders: list[tuple[date, Decimal]]
    invoices: list[tuple[date, Decimal, Decimal, date | None, date | None]]


def org_today(org: Organization) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def figures_compute(history: History, *, today: date) -> Figures:
    """The figures of one customer on `today` (the organization's day)."""
    visit_days = sorted(day for day, _net in history.visits)
    spent = sum((net for _d, net in history.visits), Decimal("0")) + sum(
        (total for _d, total in history.orders), Decimal("0")
    )
    tickets = len(history.visits) + sum(1 for _d, total in history.orders if total > 0)
    first = visit_days[0] if visit_days else None
    last = visit_days[-1] if visit_days else None
    interval: Decimal | None = None
    next_due = lapses = None
    if len(visit_days) >= 2 and first is not None and last is not None:
        interval = (Decimal((last - first).days) / (len(visit_days) - 1)).quantize(
            TENTH, ROUND_HALF_UP
        )
        if interval > 0:
            next_due = last + timedelta(days=_whole(interval))
            lapses = last + timedelta(days=_whole(interval * 2))
    outstanding = Decimal("0")
    oldest: date | None = None
    paid_in_full = late = 0
    for due, amount, paid, paid_on, written_off in history.invoices:
        if written_off is not None:
            continue
        if paid < amount:
            outstanding += amount - paid
            if due < today and (oldest is None or due < oldest):
                oldest = due
        elif paid_on is not None:
            paid_in_full += 1
            late += paid_on > due
    window: dict[int, tuple[Decimal, int]] = {}
    for days in WINDOWS:
        since = today - timedelta(days=days)
        window[days] = (
            sum((net for d, net in history.visits if since < d <= today), Decimal("0"))
            + sum((t for d, t in history.orders if since < d <= today), Decimal("0")),
            sum(1 for d, _net in history.visits if since < d <= today),
        )
    return Figures(
        total_spent=spent.quantize(CENT),
        visit_count=len(history.visits),
        first_visit=first,
        last_visit=last,
        avg_ticket=(spent / tickets).quantize(CENT, ROUND_HALF_UP) if tickets else None,
        avg_interval_days=interval,
        next_visit_due=next_due,
        lapses_on=lapses,
        outstanding_balance=outstanding.quantize(CENT),
        oldest_overdue_on=oldest,
        late_paid_share=(
            (Decimal(late) / paid_in_full).quantize(SHARE, ROUND_HALF_UP) if paid_in_full else None
        ),
        spent_30=window[30][0].quantize(CENT),
        spent_90=window[90][0].quantize(CENT),
        spent_365=window[365][0].quantize(CENT),
        visits_30=window[30][1],
        visits_90=window[90][1],
        visits_365=window[365][1],
        figures_on=today,
    )


def _whole(days: Decimal) -> int:
    """Whole days, halves up (28.5 → 29), as every other rounding here."""
    return int(days.quantize(Decimal(1), ROUND_HALF_UP))


def histories_of(customer_ids: Sequence[int]) -> dict[int, History]:
    """The history rows of these customers (of the organization in scope), three queries."""
    found: dict[int, History] = defaultdict(lambda: History([], [], []))
    visits = Visit.objects.filter(
        customer_id__in=customer_ids, status=VisitStatus.COMPLETED
    ).values_list("customer_id", "local_day", "amount", "discount")
    for customer_id, day, amount, discount in visits.order_by():
        found[customer_id].visits.append((day, amount - discount))
    orders = Order.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "local_day", "total"
    )
    for customer_id, day, total in orders.order_by():
        found[customer_id].orders.append((day, total))
    invoices = Invoice.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "due_on", "amount", "paid_amount", "paid_on", "written_off_on"
    )
    for customer_id, *row in invoices.order_by():
        found[customer_id].invoices.append(tuple(row))  # type: ignore[arg-type]
    return found


def figures_of(customer_ids: Sequence[int], *, today: date) -> dict[int, Figures]:
    histories = histories_of(customer_ids)
    return {
        pk: figures_compute(histories[pk], today=today)
        if pk in histories
        else Figures(figures_on=today)
        for pk in customer_ids
    }


def _write(figures: dict[int, Figures], *, org: Organization) -> None:
    """One UPDATE per customer (executemany); figures are not the record's own fields, so
    neither `version` nor `updated_at` move."""
    if not figures:
        return
    qn = connection.ops.quote_name
    table = qn(Customer._meta.db_table)
    columns = {f.name: f.column for f in Customer._meta.concrete_fields}
    assignments = ", ".join(f"{qn(columns[f])} = %s" for f in FIGURE_FIELDS)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s AND organization_id = %s"  # noqa: S608
    params: list[Any] = [
        [_db(value) for value in astuple(one)] + [pk, org.pk] for pk, one in sorted(figures.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _db(value: object) -> object:
    if isinstance(value, Decimal):
        return connection.ops.adapt_decimalfield_value(value, 12, 4)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


MONEY_FIELDS = (
    "total_spent", "avg_ticket", "outstanding_balance", "spent_30", "spent_90", "spent_365"
)  # fmt: skip


def figures_refresh(
    *, org: Organization, customer_ids: Iterable[int], limit: Decimal | None = None
) -> None:
    """Recomputes and stores the figures of these customers, inside the caller's
    transaction (history services call it after every write).

    Raises:
        DomainError: naming `amount`, when a money figure would pass `limit`.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return
    computed = figures_of(ids, today=org_today(org))
    if limit is not None:
        for one in computed.values():
            for name in MONEY_FIELDS:
                value = getattr(one, name)
                if value is not None and abs(value) > limit:
                    raise DomainError.for_field(
                        "amount",
                        f"This would take the customer's {name.replace('_', ' ')} past "
                        f"{limit:,}; record it in smaller parts or check the amount.",
                    )
    _write(computed, org=org)


def stored_figures(customer_ids: Sequence[int]) -> dict[int, Figures]:
    rows = Customer.objects.filter(id__in=customer_ids).values_list("id", *FIGURE_FIELDS)
    return {pk: Figures(*values) for pk, *values in rows.order_by()}


def _batches(customers: QuerySet[Customer]) -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(
            customers.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def _lock(ids: list[int]) -> None:
    list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def figures_refresh_day(*, org: Organization) -> int:
    """Recomputes every customer whose figures were computed on an earlier day (those with
    no history never were, and stay zero). One transaction per batch, customers locked, so a
    visit recorded meanwhile is not overwritten. Returns how many were recomputed."""
    today = org_today(org)
    done = 0
    for batch in _batches(Customer.objects.filter(figures_on__lt=today)):
        with transaction.atomic():
            _lock(batch)
            _write(figures_of(batch, today=today), org=org)
        done += len(batch)
    return done


@dataclass(frozen=True)
class Drift:
    customer_id: int
    field: str
    stored: object
    computed: object


EXAMPLES_KEPT = 100


@dataclass
class DriftReport:
    """What a recomputation found, in bounded memory: counts per field, the number of
    customers, and the first drifted fields as examples."""

    checked: int = 0
    customers: int = 0
    by_field: Counter[str] = field(default_factory=Counter)
    examples: list[Drift] = field(default_factory=list)

    @property
    def fields(self) -> int:
        return sum(self.by_field.values())

    def __bool__(self) -> bool:
        return self.customers > 0


def figures_recompute(
    *, org: Organization, repair: bool, progress: Callable[[int], None] | None = None
) -> DriftReport:
    """Recomputes every customer's figures from the history and compares them with the
    kept ones; repairs the customers that drifted unless `repair` is False.

    The kept figures are compared as of the day they were computed (`figures_on`): the
    windows, "overdue" and "lapsed" of figures the daily refresh has not reached yet are not
    drift. A repair computes them for today."""
    today = org_today(org)
    report = DriftReport()
    for batch in _batches(Customer.objects.all()):
        with transaction.atomic():
            _lock(batch)
            histories = histories_of(batch)
            stored = stored_figures(batch)
            wrong: dict[int, Figures] = {}
            for pk in batch:
                history = histories.get(pk) or History([], [], [])
                as_of = stored[pk].figures_on or today
                expected = figures_compute(history, today=as_of)
                for name in CHECKED_FIELDS:
                    old, new = getattr(stored[pk], name), getattr(expected, name)
                    if _differs(old, new):
                        report.by_field[name] += 1
                        if len(report.examples) < EXAMPLES_KEPT:
                            report.examples.append(Drift(pk, name, old, new))
                        wrong[pk] = figures_compute(history, today=today)
            report.customers += len(wrong)
            if repair:
                _write(wrong, org=org)
        report.checked += len(batch)
        if progress is not None:
            progress(report.checked)
    return report


def _differs(old: object, new: object) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is None or new is None or Decimal(str(old)) != Decimal(str(new))
    return old != new
