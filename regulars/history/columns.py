"""The figure columns of the customer list and exports (kept on the customer, each with its
(organization, column) index for sorting)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import F

from regulars.customers import cells
from regulars.customers.cells import Cell
from regulars.customers.columns import Column, register
from regulars.customers.models import Customer


def _money(name: str) -> Callable[[Customer], str]:
    def value(customer: Customer) -> str:
        amount = getattr(customer, name)
        return "" if amount is None else f"{amount:,.2f}"

    return value


def _day(name: str) -> Callable[[Customer], str]:
    return lambda c: getattr(c, name).isoformat() if getattr(c, name) else ""


def _count(name: str) -> Callable[[Customer], str]:
    return lambda c: str(getattr(c, name))


def _share(customer: Customer) -> str:
    share = customer.late_paid_share
    return "" if share is None else f"{(share * 100).quantize(Decimal('1'))} %"


def _interval(customer: Customer) -> str:
    days = customer.avg_interval_days
    return "" if days is None else f"{days.normalize():f} days"


for _column in (
    Column("total_spent", "Total spent", _money("total_spent"), ("total_spent",), "customer_org_spent_idx", cell=cells.number("total_spent")),
    Column("visit_count", "Visits", _count("visit_count"), ("visit_count",), "customer_org_visits_idx", cell=cells.number("visit_count")),
    Column("first_visit", "First visit", _day("first_visit"), ("first_visit",), "customer_org_firstvisit_idx", cell=cells.day("first_visit")),
    Column("last_visit", "Last visit", _day("last_visit"), ("last_visit",), "customer_org_lastvisit_idx", cell=cells.day("last_visit")),
    Column("avg_ticket", "Average ticket", _money("avg_ticket"), ("avg_ticket",), "customer_org_ticket_idx", cell=cells.number("avg_ticket")),
    Column("avg_interval", "Usual interval", _interval, cell=cells.number("avg_interval_days")),
    Column("next_visit_due", "Next visit expected", _day("next_visit_due"), ("next_visit_due",), "customer_org_nextvisit_idx", cell=cells.day("next_visit_due")),
    Column("outstanding_balance", "Outstanding", _money("outstanding_balance"), ("outstanding_balance",), "customer_org_balance_idx", cell=cells.number("outstanding_balance")),
    Column("oldest_overdue_on", "Oldest overdue", _day("oldest_overdue_on"), ("oldest_overdue_on",), "customer_org_overdue_idx", cell=cells.day("oldest_overdue_on")),
    Column("late_paid_share", "Paid late", _share, ("late_paid_share",), "customer_org_late_idx", cell=Cell(lambda ctx: F("late_paid_share") * 100, cells.NUMBER)),
    Column("spent_30", "Spent 30 days", _money("spent_30"), ("spent_30",), "customer_org_spent30_idx", cell=cells.number("spent_30")),
    Column("spent_90", "Spent 90 days", _money("spent_90"), ("spent_90",), "customer_org_spent90_idx", cell=cells.number("spent_90")),
    Column("spent_365", "Spent 12 months", _money("spent_365"), ("spent_365",), "customer_org_spent365_idx", cell=cells.number("spent_365")),
    Column("visits_30", "Visits 30 days", _count("visits_30"), ("visits_30",), "customer_org_visits30_idx", cell=cells.number("visits_30")),
    Column("visits_90", "Visits 90 days", _count("visits_90"), ("visits_90",), "customer_org_visits90_idx", cell=cells.number("visits_90")),
    Column("visits_365", "Visits 12 months", _count("visits_365"), ("visits_365",), "customer_org_visits365_idx", cell=cells.number("visits_365")),
):  # fmt: skip
    register(_column)
