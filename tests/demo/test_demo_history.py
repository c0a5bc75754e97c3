"""The demo's history: reproducible, varied, realistic, and the figures kept from it exact."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum

from regulars.customers.models import Customer
from regulars.demo.generator import CustomerGenerator
from regulars.demo.history import (
    CALIBRATION_ROWS,
    HistoryGenerator,
    history_scale,
)
from regulars.demo.org import DEMO_CUSTOMERS, DEMO_SEED, DEMO_SLUG, demo_create
from regulars.history.figures import org_today
from regulars.history.models import Invoice, Order, OrderLine, Payment, Service, Visit
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope

TODAY = date(2026, 3, 14)
# The floor for the default 5,000-customer demo, per customer.
PER_CUSTOMER = {"completed": 4, "orders": 1, "invoices": 0.2, "overdue": 0.02}


def _histories(count: int, *, scale: float = 1.0, seed: int = DEMO_SEED) -> list[Any]:
    generator = HistoryGenerator(seed, today=TODAY, scale=scale)
    return [generator.customer(row) for row in CustomerGenerator(seed).rows(0, count)]


def test_same_seed_same_history_whatever_the_batch() -> None:
    rows = list(CustomerGenerator(5).rows(0, 300))
    one = HistoryGenerator(5, today=TODAY)
    assert [one.customer(r) for r in rows] == [
        HistoryGenerator(5, today=TODAY).customer(r) for r in rows
    ]
    assert [one.customer(r) for r in rows[200:]] == [
        HistoryGenerator(5, today=TODAY).customer(r) for r in CustomerGenerator(5).rows(200, 100)
    ]
    assert [one.customer(r) for r in rows] != [
        HistoryGenerator(6, today=TODAY).customer(r) for r in rows
    ]


def test_histories_have_every_habit_and_outcome() -> None:
    histories = _histories(2000)
    habits = Counter(h.habit for h in histories)
    assert set(habits) == {"none", "one_off", "occasional", "regular", "lapsed"}
    assert all(share > 100 for share in habits.values()), habits
    visits = [v for h in histories for v in h.visits]
    statuses = Counter(v.status for v in visits)
    assert 0.85 < statuses["completed"] / len(visits) < 0.93, statuses
    assert statuses["cancelled"] and statuses["no_show"] and statuses["booked"]
    assert all(v.day > TODAY for v in visits if v.status == "booked")
    assert all(v.day < TODAY for v in visits if v.status != "booked")
    assert min(v.day for v in visits) >= TODAY - timedelta(days=3 * 365 + 1)
    assert all(v.day.weekday() != 6 for v in visits)  # closed on Sundays
    assert any(v.discount for v in visits) and all(v.discount <= v.amount for v in visits)
    assert any(len(v.services) > 1 for v in visits)
    # Regulars come every 3–8 weeks or so; the lapsed stopped a year or more ago.
    for h in histories:
        done = [v.day for v in h.visits if v.status != "booked"]
        if h.habit == "regular" and len(done) > 5:
            assert 14 <= (done[-1] - done[0]).days / (len(done) - 1) <= 80
        if h.habit == "lapsed":
            assert done and max(done) <= TODAY - timedelta(days=365)
        if h.habit == "none":
            assert not h.events
    orders = [o for h in histories for o in h.orders]
    refunds = [o for o in orders if o.refund_of is not None]
    assert 0.01 < len(refunds) / len(orders) < 0.06
    for h in histories:
        for o in h.orders:
            assert o.total == o.subtotal - o.discount if o.total >= 0 else o.subtotal + o.discount
            if o.refund_of is not None:
                original = h.orders[o.refund_of]
                assert o.total < 0 and -o.total <= original.total and o.day > original.day
    invoices = [i for h in histories for i in h.invoices]
    assert all(i.paid <= i.amount and i.due >= i.issued for i in invoices)
    assert all(p[0] <= TODAY for i in invoices for p in i.payments)
    late = [i for i in invoices if i.paid_on is not None and i.paid_on > i.due]
    overdue = [i for i in invoices if not i.written_off and i.paid < i.amount and i.due < TODAY]
    part = [i for i in overdue if i.paid > 0]
    assert late and overdue and part and any(i.written_off for i in invoices)


@pytest.mark.parametrize("per_customer", [4.0, 20.0])
def test_the_scale_gives_about_the_rows_asked_for(per_customer: float) -> None:
    customers = CustomerGenerator(DEMO_SEED)
    scale = history_scale(customers, seed=DEMO_SEED, today=TODAY, per_customer=per_customer)
    generator = HistoryGenerator(DEMO_SEED, today=TODAY, scale=scale)
    # Rows after the calibration sample.
    rows = customers.rows(CALIBRATION_ROWS, 1000)
    mean = sum(generator.customer(row).events for row in rows) / 1000
    assert per_customer * 0.85 < mean < per_customer * 1.15


def _counts(org: Organization) -> dict[str, int]:
    today = org_today(org)
    with tenant_scope(org):
        return {
            "customers": Customer.objects.count(),
            "completed": Visit.objects.filter(status="completed").count(),
            "orders": Order.objects.count(),
            "invoices": Invoice.objects.count(),
            "overdue": Invoice.objects.filter(
                written_off_on=None, due_on__lt=today, paid_amount__lt=F("amount")
            ).count(),
        }


def _check_no_drift(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("recompute_aggregates", "--org", DEMO_SLUG, "--check")  # exit 1 on drift
    assert " 0 drifted (0 fields)." in capsys.readouterr().out


@pytest.mark.django_db
def test_a_small_demo_has_proportional_history_and_exact_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    size = 1000
    history: Counter[str] = Counter()
    org, _logins = demo_create(customers=size, history_counts=history)
    counts = _counts(org)
    for name, per in PER_CUSTOMER.items():
        assert counts[name] >= per * size, (name, counts)
    assert history["visits_completed"] == counts["completed"]
    assert history["invoices_overdue"] == counts["overdue"]
    today = org_today(org)
    with tenant_scope(org):
        assert Service.objects.count() >= 8
        assert Visit.services.through.objects.count() >= Visit.objects.count()
        assert not Visit.objects.filter(status="booked", local_day__lte=today).exists()
        assert Visit.objects.filter(status="booked").exists()
        assert Visit.objects.exclude(location=None).count() == Visit.objects.count()
        assert Visit.objects.exclude(staff=None).count() == Visit.objects.count()
        # Every order's lines add up to its subtotal; refunds point to a sale and are negative.
        sums = dict(OrderLine.objects.values_list("order").annotate(s=Sum("amount")))
        assert all(sums[o.pk] == o.subtotal for o in Order.objects.all())
        refunds = Order.objects.exclude(refund_of=None).select_related("refund_of")
        assert refunds.exists()
        assert all(r.total < 0 < r.refund_of.total for r in refunds)  # type: ignore[union-attr]
        # An invoice's kept paid amount is its payments'.
        paid = dict(Payment.objects.values_list("invoice").annotate(s=Sum("amount")))
        assert all(paid.get(i.pk, Decimal(0)) == i.paid_amount for i in Invoice.objects.all())
        assert Invoice.objects.exclude(written_off_on=None).exists()
        assert Invoice.objects.filter(paid_on__gt=F("due_on")).exists()  # paid late
        # The figures are stored: every customer with a completed visit has them.
        with_visits = Customer.objects.annotate(
            n=Count("visits", filter=Q(visits__status="completed"))
        ).filter(n__gt=0)
        assert not with_visits.filter(visit_count=0).exists()
        assert Customer.objects.filter(total_spent__gt=0, spent_365__gt=0).exists()
        assert (
            Customer.objects.filter(outstanding_balance__gt=0)
            .exclude(oldest_overdue_on=None)
            .exists()
        )
    _check_no_drift(capsys)


@pytest.mark.django_db
def test_no_history_when_asked_for_none() -> None:
    org, _logins = demo_create(customers=50, history_per_customer=0)
    with tenant_scope(org):
        assert Customer.objects.count() == 50
        assert not Visit.objects.exists() and not Order.objects.exists()
        assert not Service.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_default_demo_fills_every_page(
    capsys: pytest.CaptureFixture[str], settings: Any, tmp_path: Path
) -> None:
    """The issue's numbers, at the default size, through `regulars demo`."""
    settings.DATA_DIR = tmp_path
    call_command("demo")
    out = capsys.readouterr().out
    assert f"with {DEMO_CUSTOMERS} customers" in out and "History: " in out
    counts = _counts(Organization.objects.get(slug=DEMO_SLUG))
    assert counts["customers"] == DEMO_CUSTOMERS == 5000
    assert counts["completed"] >= 20_000
    assert counts["orders"] >= 5_000
    assert counts["invoices"] >= 1_000
    assert counts["overdue"] >= 100
    _check_no_drift(capsys)
