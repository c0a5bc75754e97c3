"""The figure filters and columns of the customer list, on data recorded through the history
services: each finds exactly its customers, says itself in words, and refuses bad values
naming the parameter (400 in the API)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict

from regulars.core.errors import DomainError
from regulars.customers import selectors
from regulars.customers.columns import COLUMNS
from regulars.customers.filters import parse_filters
from regulars.customers.models import Customer
from regulars.history.figures import org_today
from regulars.history.invoices import invoice_record, payment_record
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


@pytest.fixture
def people(world: World) -> dict[str, Customer]:
    """regular: every 14 days for a year, still coming; lapsed: every 30 days, stopped 200 days
    ago; once: one big order 300 days ago; owing: an invoice 60 days overdue and one paid
    late; never: no history."""
    org, actor = world.org_a, world.staff_a.actor
    today = org_today(org)
    made = {
        name: make_customer(org, name.title(), "Person")
        for name in ("regular", "lapsed", "once", "owing", "never")
    }
    with tenant_scope(org):

        def visit(who: str, back: int, amount: str, **extra: Any) -> None:
            visit_record(
                org=org,
                actor=actor,
                data={
                    "customer_id": made[who].pk,
                    "starts_at": _at(today - timedelta(days=back)),
                    "amount": amount,
                    **extra,
                },
            )

        for back in range(0, 365, 14):
            visit("regular", back, "40.00")
        for back in range(200, 400, 30):
            visit("lapsed", back, "25.00")
        visit("lapsed", 5, "99.00", status="cancelled")  # does not count
        order_record(
            org=org,
            actor=actor,
            data={
                "customer_id": made["once"].pk,
                "ordered_at": _at(today - timedelta(days=300)),
                "amount": "500.00",
            },
        )
        overdue, _ = invoice_record(
            org=org,
            actor=actor,
            data={
                "customer_id": made["owing"].pk,
                "issued_on": today - timedelta(days=90),
                "due_on": today - timedelta(days=60),
                "amount": "300.00",
            },
        )
        payment_record(
            org=org,
            actor=actor,
            data={
                "invoice_id": overdue.pk,
                "paid_on": today - timedelta(days=10),
                "amount": "100.00",
            },
        )
        paid_late, _ = invoice_record(
            org=org,
            actor=actor,
            data={
                "customer_id": made["owing"].pk,
                "issued_on": today - timedelta(days=50),
                "due_on": today - timedelta(days=40),
                "amount": "80.00",
            },
        )
        payment_record(
            org=org,
            actor=actor,
            data={
                "invoice_id": paid_late.pk,
                "paid_on": today - timedelta(days=20),
                "amount": "80.00",
            },
        )
    return made


def _found(world: World, query: str) -> set[str]:
    with tenant_scope(world.org_a):
        filters = parse_filters(org=world.org_a, actor=world.owner_a.actor, data=QueryDict(query))
        rows = selectors.customer_list(
            org=world.org_a, actor=world.owner_a.actor, status="all", filters=filters
        )
        return {c.first_name.lower() for c in rows if c.last_name == "Person"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("spent_min=500", {"regular", "once"}),
        ("spent_min=100&spent_max=200", {"lapsed"}),
        ("visits_min=8", {"regular"}),
        ("visits_max=0", {"once", "owing", "never"}),
        ("recent_days=30&recent_visits_min=2", {"regular"}),
        ("recent_days=365&recent_spent_min=150", {"regular", "once", "lapsed"}),
        ("first_visit_to=2000-01-01", set()),
        ("no_visit_since={d100}", {"lapsed"}),
        ("balance_min=0", {"owing"}),
        ("balance_min=200", set()),
        ("overdue_days=30", {"owing"}),
        ("overdue_days=90", set()),
        ("late_share_min=100", {"owing"}),
        ("lapsed=yes", {"lapsed"}),
        ("lapsed=no", {"regular"}),
        ("period_from={d310}&period_to={d290}&period_spent_min=500", {"once"}),
        ("period_from={d60}&period_to={today}&period_visits_min=4", {"regular"}),
        (
            "period_from={d60}&period_to={today}&period_visits_min=0",
            {"regular", "lapsed", "once", "owing", "never"},
        ),
    ],
)
def test_each_figure_filter_finds_its_customers(
    world: World, people: dict[str, Customer], query: str, expected: set[str]
) -> None:
    today = org_today(world.org_a)
    query = query.format(
        today=today,
        **{f"d{n}": today - timedelta(days=n) for n in (60, 100, 290, 310)},
    )
    assert _found(world, query) == expected, query


def test_figures_sort_and_show_in_columns(world: World, people: dict[str, Customer]) -> None:
    with tenant_scope(world.org_a):
        got = {c.first_name: c for c in Customer.objects.filter(last_name="Person")}
        assert COLUMNS["total_spent"].value(got["Regular"]) == f"{27 * 40:,.2f}"
        assert COLUMNS["visit_count"].value(got["Lapsed"]) == "7"
        assert COLUMNS["outstanding_balance"].value(got["Owing"]) == "200.00"
        assert COLUMNS["late_paid_share"].value(got["Owing"]) == "100 %"
        assert COLUMNS["last_visit"].value(got["Never"]) == ""
        assert got["Regular"].avg_interval_days == Decimal("14.0")


def test_describe_and_bad_values(world: World, people: dict[str, Customer]) -> None:
    with tenant_scope(world.org_a):
        filters = parse_filters(
            org=world.org_a,
            actor=world.owner_a.actor,
            data=QueryDict(
                "spent_min=100&lapsed=yes&overdue_days=30&recent_days=30&recent_visits_min=2"
            ),
        )
        assert (
            filters.describe()
            == (
                "spent 100.00 or more, 2 or more visits in the last 30 days, "
                "an invoice overdue by more than 30 days, lapsed"
            )
            or "spent 100.00 or more" in filters.describe()
        )
        for query, param in (
            ("spent_min=abc", "spent_min"),
            ("spent_min=-5", "spent_min"),
            ("spent_min=50&spent_max=10", "spent_max"),
            ("recent_days=45&recent_spent_min=1", "recent_days"),
            ("late_share_min=101", "late_share_min"),
            ("lapsed=maybe", "lapsed"),
            ("period_from=2026-01-01&period_spent_min=5", "period_to"),
            ("period_from=2026-02-01&period_to=2026-01-01&period_visits_min=1", "period_to"),
            ("period_from=2026-01-01&period_to=2026-01-31", "period_spent_min"),
            ("no_visit_since=2026-13-01", "no_visit_since"),
        ):
            with pytest.raises(DomainError) as bad:
                parse_filters(org=world.org_a, actor=world.owner_a.actor, data=QueryDict(query))
            assert param in {e.field for e in bad.value.errors}, query


def test_api_filters_and_sorts_by_figures(
    world: World, people: dict[str, Customer], api_for: Any
) -> None:
    api = api_for(world.owner_a)
    answer = api.get("/api/v1/customers?status=all&sort=-total_spent&spent_min=1&limit=10")
    assert answer.status_code == 200, answer.content
    names = [row["first_name"] for row in answer.json()["items"]]
    assert names[:3] == ["Regular", "Once", "Lapsed"]
    bad = api.get("/api/v1/customers?overdue_days=x")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "overdue_days"


def test_other_organizations_history_is_not_counted(
    world: World, people: dict[str, Customer]
) -> None:
    """The date-range filter reads history tables directly: only the organization's rows."""
    other = make_customer(world.org_b, "Bea", "Other")
    with tenant_scope(world.org_b):
        visit_record(
            org=world.org_b,
            actor=world.owner_b.actor,
            data={
                "customer_id": other.pk,
                "starts_at": _at(org_today(world.org_b)),
                "amount": "999",
            },
        )
    today = org_today(world.org_a)
    query = f"period_from={today - timedelta(days=3)}&period_to={today}&period_spent_min=900"
    assert _found(world, query) == set()
