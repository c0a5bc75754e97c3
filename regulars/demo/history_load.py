"""Writing the demo's history: the plan (services catalogue, scaled generator, locations
and staff) and `history_insert`, which writes one batch of customers' histories with raw
multi-row INSERTs (`RawInsert`, COPY on PostgreSQL) and stores each customer's figures,
computed by `history.figures` from the very rows written, inside the caller's transaction:
constant memory per batch, no ORM per row. "History rows" below are visits, orders and
invoices (lines, service links and payments hang off them).
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection

from regulars.customers.bulk import RawInsert, _reserve_ids
from regulars.customers.models import Customer
from regulars.customers.rows import CustomerRow
from regulars.demo.generator import CustomerGenerator
from regulars.demo.history_generator import DEFAULT_PER_CUSTOMER, HistoryGenerator, history_scale
from regulars.demo.history_rows import _PRODUCT_PRICES, PRODUCTS, SERVICES
from regulars.history.catalogue import service_create
from regulars.history.figures import FIGURE_FIELDS, Figures, figures_compute, org_today
from regulars.history.models import Invoice, Order, OrderLine, Payment, Service, Visit
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


@dataclass(frozen=True)
class HistoryPlan:
    """What a load's histories are attached to: the generator, service ids (in the order of
    SERVICES), location ids and the staff (id, email)."""

    generator: HistoryGenerator
    time_zone: str
    services: Sequence[int]
    locations: Sequence[int]
    staff: Sequence[tuple[int, str]]
    moments: _Moments = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "moments", _Moments(self.time_zone))


def history_plan_create(
    *,
    org: Organization,
    actor: Actor,
    customers: CustomerGenerator,
    locations: Sequence[int],
    staff: Sequence[tuple[int, str]],
    per_customer: float = DEFAULT_PER_CUSTOMER,
    start: int = 0,
) -> HistoryPlan:
    """The services catalogue (created through its service if missing) and a generator
    scaled to about `per_customer` history rows per customer; call inside a transaction."""
    assert_in_scope(org)
    existing = {s.name: s.pk for s in Service.objects.all()}
    for name, minutes, price, _kind in SERVICES:
        if name not in existing:
            existing[name] = service_create(
                org=org,
                actor=actor,
                data={"name": name, "duration_minutes": minutes, "price": price},
            ).pk
    today = org_today(org)
    scale = history_scale(
        customers, seed=customers.seed, today=today, per_customer=per_customer, start=start
    )
    return HistoryPlan(
        generator=HistoryGenerator(customers.seed, today=today, scale=scale),
        time_zone=org.time_zone,
        services=[existing[s[0]] for s in SERVICES],
        locations=list(locations),
        staff=list(staff),
    )


def _tables() -> dict[str, RawInsert]:
    stamp = ("created_at", "updated_at")
    return {
        "visits": RawInsert(
            Visit,
            (
                "id",
                "organization",
                "customer",
                "starts_at",
                "local_day",
                "location",
                "staff",
                "staff_label",
                "amount",
                "discount",
                "status",
                *stamp,
            ),
            with_pk=True,
        ),
        "links": RawInsert(Visit.services.through, ("visit", "service")),
        "orders": RawInsert(
            Order,
            (
                "id",
                "organization",
                "customer",
                "number",
                "ordered_at",
                "local_day",
                "location",
                "subtotal",
                "discount",
                "total",
                "payment_method",
                "refund_of",
                *stamp,
            ),
            with_pk=True,
        ),
        "lines": RawInsert(
            OrderLine,
            (
                "organization",
                "order",
                "position",
                "description",
                "quantity",
                "unit_price",
                "amount",
            ),
        ),
        "invoices": RawInsert(
            Invoice,
            (
                "id",
                "organization",
                "customer",
                "number",
                "issued_on",
                "due_on",
                "amount",
                "paid_amount",
                "paid_on",
                "written_off_on",
                "location",
                *stamp,
            ),
            with_pk=True,
        ),
        "payments": RawInsert(
            Payment, ("organization", "invoice", "customer", "paid_on", "amount", "method", *stamp)
        ),
    }


class _Moments:
    """Local day and minute → the adapted UTC moment (DST-correct), remembered: most visits
    fall on a few thousand days and quarter hours."""

    LIMIT = 200_000

    def __init__(self, time_zone: str) -> None:
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.adapt = connection.ops.adapt_datetimefield_value
        self.known: dict[tuple[date, int], object] = {}

    def __call__(self, day: date, minute: int) -> object:
        found = self.known.get((day, minute))
        if found is None:
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            local = datetime(
                day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone
            )
            found = self.known[day, minute] = self.adapt(local.astimezone(UTC))
        return found


def history_insert(
    *, org: Organization, plan: HistoryPlan, ids: Sequence[int], rows: Sequence[CustomerRow]
) -> Counter[str]:
    """The histories of one batch of new customers (`ids` in the order of `rows`) and their
    figures; call inside the transaction that inserted them. Returns the counts written."""
    assert_in_scope(org)
    histories = [plan.generator.customer(row) for row in rows]
    counts: Counter[str] = Counter()
    n_visits = sum(len(h.visits) for h in histories)
    n_orders = sum(len(h.orders) for h in histories)
    n_invoices = sum(len(h.invoices) for h in histories)
    visit_ids = iter(_reserve_ids(Visit, n_visits) if n_visits else [])
    order_ids = iter(_reserve_ids(Order, n_orders) if n_orders else [])
    invoice_ids = iter(_reserve_ids(Invoice, n_invoices) if n_invoices else [])
    ops = connection.ops
    day_ = ops.adapt_datefield_value
    moment = plan.moments
    now = ops.adapt_datetimefield_value(datetime.now(UTC))
    today = plan.generator.today
    org_id = org.pk
    locations, staff, services = plan.locations, plan.staff, plan.services
    visits: list[tuple[object, ...]] = []
    links: list[tuple[object, ...]] = []
    orders: list[tuple[object, ...]] = []
    lines: list[tuple[object, ...]] = []
    invoices: list[tuple[object, ...]] = []
    payments: list[tuple[object, ...]] = []
    figures: dict[int, Figures] = {}
    for customer_id, history in zip(ids, histories, strict=True):
        if not history.events:
            continue
        for v in history.visits:
            pk = next(visit_ids)
            at = moment(v.day, v.minute)
            who = staff[v.staff_slot % len(staff)] if staff else (None, "")
            visits.append(
                (
                    pk,
                    org_id,
                    customer_id,
                    at,
                    day_(v.day),
                    locations[v.location_slot % len(locations)] if locations else None,
                    who[0],
                    who[1],
                    v.amount,
                    v.discount,
                    v.status,
                    at if v.day <= today else now,
                    at if v.day <= today else now,
                )
            )
            links.extend((pk, services[i]) for i in v.services)
            counts[f"visits_{v.status}"] += 1
        order_pks: list[int] = []
        for o in history.orders:
            pk = next(order_ids)
            order_pks.append(pk)
            at = moment(o.day, o.minute)
            orders.append(
                (
                    pk,
                    org_id,
                    customer_id,
                    f"S{pk:07d}",
                    at,
                    day_(o.day),
                    locations[o.location_slot % len(locations)] if locations else None,
                    o.subtotal,
                    o.discount,
                    o.total,
                    o.method,
                    order_pks[o.refund_of] if o.refund_of is not None else None,
                    at,
                    at,
                )
            )
            for position, (product, quantity) in enumerate(o.lines):
                price = _PRODUCT_PRICES[product]
                lines.append(
                    (
                        org_id,
                        pk,
                        position,
                        PRODUCTS[product][0],
                        Decimal(quantity),
                        price,
                        price * quantity,
                    )
                )
            counts["refunds" if o.refund_of is not None else "orders_sales"] += 1
        for inv in history.invoices:
            pk = next(invoice_ids)
            paid, paid_on = inv.paid, inv.paid_on
            issued_at = moment(inv.issued, 9 * 60)
            invoices.append(
                (
                    pk,
                    org_id,
                    customer_id,
                    f"INV{pk:06d}",
                    day_(inv.issued),
                    day_(inv.due),
                    inv.amount,
                    paid,
                    day_(paid_on),
                    day_(inv.written_off),
                    locations[inv.location_slot % len(locations)] if locations else None,
                    issued_at,
                    issued_at,
                )
            )
            for day, amount, method in inv.payments:
                at = moment(day, 12 * 60)
                payments.append((org_id, pk, customer_id, day_(day), amount, method, at, at))
            if inv.written_off is not None:
                counts["invoices_written_off"] += 1
            elif paid < inv.amount and inv.due < today:
                counts["invoices_overdue"] += 1
        figures[customer_id] = figures_compute(history.figures_history(), today=today)
    tables = _tables()
    for name, values in (
        ("visits", visits),
        ("links", links),
        ("orders", orders),
        ("lines", lines),
        ("invoices", invoices),
        ("payments", payments),
    ):
        _insert(tables[name], values)
        counts[name] += len(values)
    figures_store(figures)
    return counts


def _insert(table: RawInsert, rows: list[tuple[object, ...]]) -> None:
    """`table.insert(rows)`; on PostgreSQL the same rows by COPY, several times faster there
    than psycopg's executemany (one statement per row)."""
    if connection.vendor != "postgresql" or not rows:
        table.insert(rows)
        return
    head = table.sql.split(" VALUES ")[0].removeprefix("INSERT INTO ")
    constants = table.constants
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *constants))


def figures_store(figures: dict[int, Figures]) -> None:
    """Writes computed figures as `history.figures` writes them: one UPDATE per customer
    (executemany); on PostgreSQL one UPDATE from a temporary table filled by COPY."""
    if not figures:
        return
    qn = connection.ops.quote_name
    table = qn(Customer._meta.db_table)
    columns = {f.name: f.column for f in Customer._meta.concrete_fields}
    day_ = connection.ops.adapt_datefield_value
    params = [
        [pk]
        + [
            day_(getattr(one, name)) if name in _DATE_FIELDS else getattr(one, name)
            for name in FIGURE_FIELDS
        ]
        for pk, one in sorted(figures.items())
    ]
    if connection.vendor != "postgresql":
        assignments = ", ".join(f"{qn(columns[name])} = %s" for name in FIGURE_FIELDS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                [[*values[1:], values[0]] for values in params],
            )
        return
    names = ", ".join(qn(columns[name]) for name in ("id", *FIGURE_FIELDS))
    assignments = ", ".join(f"{qn(columns[n])} = f.{qn(columns[n])}" for n in FIGURE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS demo_figures "  # noqa: S608
            f"ON COMMIT DELETE ROWS AS SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY demo_figures ({names}) FROM STDIN") as copy:
            for values in params:
                copy.write_row(values)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM demo_figures f "  # noqa: S608
            f"WHERE {table}.id = f.id"
        )
        cursor.execute("DELETE FROM demo_figures")


_DATE_FIELDS = frozenset(
    {"first_visit", "last_visit", "next_visit_due", "lapses_on", "oldest_overdue_on", "figures_on"}
)
HISTORY_TABLES = tuple(
    m._meta.db_table for m in (Visit, Visit.services.through, Order, OrderLine, Invoice, Payment)
)


def analyze_history() -> None:
    """Planner statistics for the history tables after a large load (as `analyze_customers`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            outside = connection.get_autocommit() and not connection.in_atomic_block
            verb = "VACUUM (ANALYZE)" if outside else "ANALYZE"
            cursor.execute(f"{verb} {', '.join(HISTORY_TABLES)}")
        else:
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in HISTORY_TABLES:
                cursor.execute(f"ANALYZE {table}")
