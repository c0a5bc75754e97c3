"""History services: each kind of row, the figures kept with them, events that name their
customer by keys (found, created or ambiguous), and the rules on money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from regulars.core.errors import Conflict, DomainError, Forbidden
from regulars.customers.models import Customer, CustomerSource
from regulars.history.customer_ref import AmbiguousCustomer
from regulars.history.figures import figures_recompute, org_today
from regulars.history.invoices import (
    invoice_delete,
    invoice_record,
    invoice_update,
    payment_delete,
    payment_record,
)
from regulars.history.orders import order_delete, order_record, order_update
from regulars.history.visits import visit_delete, visit_record, visit_update
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _visit(world: World, **data: Any) -> Any:
    with tenant_scope(world.org_a):
        return visit_record(org=world.org_a, actor=world.staff_a.actor, data=data)[0]


def _fresh(customer: Customer) -> Customer:
    with tenant_scope(customer.organization):
        return Customer.objects.get(pk=customer.pk)


def _days_ago(n: int) -> str:
    return (datetime.now(tz=UTC) - timedelta(days=n)).replace(hour=12).strftime("%Y-%m-%dT%H:%M")


def test_completed_visits_count_and_others_do_not(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(100), amount="50.00", discount="5.00")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(40), amount="60.00")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(10), amount="70.00")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(5), amount="99.00", status="no_show")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(-3), amount="80", status="booked")
    got = _fresh(ann)
    today = org_today(world.org_a)
    assert got.visit_count == 3
    assert got.total_spent == Decimal("175.00")
    assert got.avg_ticket == Decimal("58.33")
    assert got.first_visit == today - timedelta(days=100)
    assert got.last_visit == today - timedelta(days=10)
    assert got.avg_interval_days == Decimal("45.0")
    assert got.next_visit_due == today - timedelta(days=10) + timedelta(days=45)
    assert got.lapses_on == today - timedelta(days=10) + timedelta(days=90)
    assert (got.spent_30, got.visits_30) == (Decimal("70.00"), 1)
    assert (got.spent_90, got.visits_90) == (Decimal("130.00"), 2)
    assert (got.spent_365, got.visits_365) == (Decimal("175.00"), 3)


def test_editing_and_deleting_a_visit_moves_the_figures(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    visit = _visit(world, customer_id=ann.pk, starts_at=_days_ago(3), amount="40.00")
    with tenant_scope(world.org_a):
        visit_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            visit_id=visit.pk,
            data={"amount": "45.50", "status": "completed"},
        )
    assert _fresh(ann).total_spent == Decimal("45.50")
    with tenant_scope(world.org_a):
        visit_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            visit_id=visit.pk,
            data={"status": "cancelled"},
        )
    assert (_fresh(ann).visit_count, _fresh(ann).total_spent) == (0, Decimal("0"))
    with tenant_scope(world.org_a):
        visit_delete(org=world.org_a, actor=world.staff_a.actor, visit_id=visit.pk)
    assert _fresh(ann).last_visit is None


def test_orders_refunds_and_their_limits(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    actor = world.staff_a.actor
    with tenant_scope(world.org_a):
        sale, _ = order_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "ordered_at": _days_ago(20),
                "discount": "2.00",
                "lines": [
                    {"description": "Shampoo", "quantity": 2, "unit_price": "12.50"},
                    {"description": "Comb", "unit_price": "4.00"},
                ],
            },
        )
        assert sale.total == Decimal("27.00")
        refund, _ = order_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "ordered_at": _days_ago(19),
                "amount": "-12.50",
                "refund_of_id": sale.pk,
            },
        )
        with pytest.raises(DomainError) as too_much:
            order_record(
                org=world.org_a,
                actor=actor,
                data={
                    "customer_id": ann.pk,
                    "ordered_at": _days_ago(18),
                    "amount": "-15.00",
                    "refund_of_id": sale.pk,
                },
            )
        assert too_much.value.errors[0].field == "amount"
        assert "14.50" in too_much.value.detail
        with pytest.raises(Conflict):
            order_delete(org=world.org_a, actor=actor, order_id=sale.pk)
    got = _fresh(ann)
    assert got.total_spent == Decimal("14.50")
    assert got.avg_ticket == Decimal("14.50")  # one sale; the refund is not a ticket
    assert got.visit_count == 0
    with tenant_scope(world.org_a):
        order_update(org=world.org_a, actor=actor, order_id=refund.pk, data={"amount": "-2.00"})
    assert _fresh(ann).total_spent == Decimal("25.00")


def test_invoices_payments_balance_and_lateness(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    actor = world.staff_a.actor
    today = org_today(world.org_a)
    with tenant_scope(world.org_a):
        late, _ = invoice_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "issued_on": today - timedelta(days=60),
                "due_on": today - timedelta(days=30),
                "amount": "100.00",
            },
        )
        open_, _ = invoice_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "issued_on": today - timedelta(days=5),
                "due_on": today + timedelta(days=25),
                "amount": "40.00",
            },
        )
        first = payment_record(
            org=world.org_a,
            actor=actor,
            data={"invoice_id": late.pk, "paid_on": today - timedelta(days=20), "amount": "60.00"},
        )
    got = _fresh(ann)
    assert got.outstanding_balance == Decimal("80.00")
    assert got.oldest_overdue_on == today - timedelta(days=30)
    assert got.late_paid_share is None
    with tenant_scope(world.org_a):
        with pytest.raises(DomainError) as over:
            payment_record(
                org=world.org_a,
                actor=actor,
                data={"invoice_id": late.pk, "paid_on": today, "amount": "40.01"},
            )
        assert "40.00" in over.value.detail
        payment_record(
            org=world.org_a,
            actor=actor,
            data={"invoice_id": late.pk, "paid_on": today - timedelta(days=2), "amount": "40.00"},
        )
        payment_record(
            org=world.org_a,
            actor=actor,
            data={"invoice_id": open_.pk, "paid_on": today, "amount": "40.00"},
        )
    got = _fresh(ann)
    assert got.outstanding_balance == Decimal("0.00")
    assert got.oldest_overdue_on is None
    assert got.late_paid_share == Decimal("0.5000")
    with tenant_scope(world.org_a):
        with pytest.raises(Conflict):
            invoice_delete(org=world.org_a, actor=actor, invoice_id=late.pk)
        payment_delete(org=world.org_a, actor=actor, payment_id=first.pk)
        late.refresh_from_db()
        assert late.status_on(today) == "overdue"
        invoice_update(org=world.org_a, actor=actor, invoice_id=late.pk, data={"written_off": True})
        late.refresh_from_db()
        assert late.status_on(today) == "written_off"
    got = _fresh(ann)
    assert got.outstanding_balance == Decimal("0.00")
    assert got.late_paid_share == Decimal("0.0000")  # the one still counted was paid on time


def test_event_finds_creates_or_refuses_its_customer(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee", email="ann@example.com")
    visit = _visit(
        world, customer={"email": "ANN@example.com"}, starts_at=_days_ago(1), amount="10"
    )
    assert visit.customer_id == ann.pk
    with tenant_scope(world.org_a):
        new, created = visit_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={
                "customer": {"email": "zoe@example.com", "first_name": "Zoë", "last_name": "Ng"},
                "starts_at": _days_ago(1),
                "amount": "20",
                "source": "online",
            },
        )
    assert created
    assert new.customer.first_name == "Zoë"
    assert new.customer.source == CustomerSource.ONLINE
    assert _fresh(new.customer).total_spent == Decimal("20.00")
    make_customer(world.org_a, "Twin", "One", phone_mobile="+61412555001")
    make_customer(world.org_a, "Twin", "Two", phone_home="+61412555001")
    with tenant_scope(world.org_a), pytest.raises(AmbiguousCustomer) as twice:
        visit_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"customer": {"phone": "+61412555001"}, "starts_at": _days_ago(1)},
        )
    assert len(twice.value.extra["candidates"]) == 2
    with tenant_scope(world.org_a), pytest.raises(DomainError) as none:
        visit_record(org=world.org_a, actor=world.staff_a.actor, data={"starts_at": _days_ago(1)})
    assert none.value.errors[0].field == "customer"


def test_bad_money_names_the_field(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    for bad, field in (
        ("12.345", "amount"),
        ("abc", "amount"),
        ("-5", "amount"),
        ("1e12", "amount"),
        (0.5, "amount"),
    ):
        with tenant_scope(world.org_a), pytest.raises(DomainError) as err:
            visit_record(
                org=world.org_a,
                actor=world.staff_a.actor,
                data={"customer_id": ann.pk, "starts_at": _days_ago(1), "amount": bad},
            )
        assert err.value.errors[0].field == field, bad
    with tenant_scope(world.org_a), pytest.raises(DomainError) as err:
        visit_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={
                "customer_id": ann.pk,
                "starts_at": _days_ago(1),
                "amount": "10",
                "discount": "11",
            },
        )
    assert err.value.errors[0].field == "discount"
    assert _fresh(ann).visit_count == 0


def test_readonly_cannot_record(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    with tenant_scope(world.org_a), pytest.raises(Forbidden):
        visit_record(
            org=world.org_a,
            actor=world.readonly_a.actor,
            data={"customer_id": ann.pk, "starts_at": _days_ago(1)},
        )


def test_recompute_finds_and_repairs_drift(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(2), amount="30.00")
    with tenant_scope(world.org_a):
        assert not figures_recompute(org=world.org_a, repair=False)
        Customer.objects.filter(pk=ann.pk).update(total_spent=Decimal("1.00"), visit_count=7)
        drift = figures_recompute(org=world.org_a, repair=True)
        assert set(drift.by_field) == {"total_spent", "visit_count"}
        assert drift.customers == 1
        assert {(d.customer_id, d.field) for d in drift.examples} == {
            (ann.pk, "total_spent"),
            (ann.pk, "visit_count"),
        }
        assert not figures_recompute(org=world.org_a, repair=False)
    assert _fresh(ann).total_spent == Decimal("30.00")
    assert drift.checked >= 1


def test_order_edits_keep_lines_and_refunds_consistent(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    actor = world.staff_a.actor
    with tenant_scope(world.org_a):
        sale, _ = order_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "ordered_at": _days_ago(5),
                "number": "S-1",
                "lines": [{"description": "Wax", "quantity": "2", "unit_price": "10.00"}],
            },
        )
        order_record(
            org=world.org_a,
            actor=actor,
            data={
                "customer_id": ann.pk,
                "ordered_at": _days_ago(4),
                "amount": "-15.00",
                "refund_of_id": sale.pk,
            },
        )
        # The original cannot drop below what was given back.
        with pytest.raises(DomainError) as below:
            order_update(org=world.org_a, actor=actor, order_id=sale.pk, data={"amount": "9"})
        assert below.value.errors[0].field == "amount"
        # A plain amount replaces the lines it no longer matches.
        order_update(org=world.org_a, actor=actor, order_id=sale.pk, data={"amount": "18.00"})
        sale.refresh_from_db()
        assert (sale.total, sale.lines.count()) == (Decimal("18.00"), 0)
        # A number already used names the field.
        with pytest.raises(Conflict) as taken:
            order_record(
                org=world.org_a,
                actor=actor,
                data={
                    "customer_id": ann.pk,
                    "ordered_at": _days_ago(1),
                    "number": "S-1",
                    "amount": "1",
                },
            )
        assert taken.value.errors[0].field == "number"
    assert _fresh(ann).total_spent == Decimal("3.00")


def test_line_service_ids_may_be_digits(world: World) -> None:
    from regulars.history.catalogue import service_create

    ann = make_customer(world.org_a, "Ann", "Lee")
    with tenant_scope(world.org_a):
        wax = service_create(
            org=world.org_a, actor=world.manager_a.actor, data={"name": "Wax", "price": "12.00"}
        )
        order, _ = order_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={
                "customer_id": ann.pk,
                "ordered_at": _days_ago(1),
                "lines": [{"service_id": str(wax.pk)}],
            },
        )
        line = order.lines.get()
    assert (line.service_id, line.description, line.amount) == (wax.pk, "Wax", Decimal("12.00"))


def test_a_sum_past_the_figure_columns_is_refused_naming_amount(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(2), amount="9999999999.00")
    with tenant_scope(world.org_a), pytest.raises(DomainError) as over:
        visit_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"customer_id": ann.pk, "starts_at": _days_ago(1), "amount": "5.00"},
        )
    assert over.value.errors[0].field == "amount"
    got = _fresh(ann)
    assert (got.visit_count, got.total_spent) == (1, Decimal("9999999999.00"))


def test_figures_not_yet_refreshed_today_are_not_drift(world: World) -> None:
    """Yesterday's windows, kept until the night's refresh, are compared as of yesterday."""
    ann = make_customer(world.org_a, "Ann", "Lee")
    _visit(world, customer_id=ann.pk, starts_at=_days_ago(30), amount="30.00")
    today = org_today(world.org_a)
    with tenant_scope(world.org_a):
        assert _fresh(ann).spent_30 == Decimal("0.00")  # 30 days ago is outside today's window
        Customer.objects.filter(pk=ann.pk).update(
            figures_on=today - timedelta(days=1), spent_30=Decimal("30.00"), visits_30=1
        )
        assert not figures_recompute(org=world.org_a, repair=False)
        Customer.objects.filter(pk=ann.pk).update(visits_30=2)
        drift = figures_recompute(org=world.org_a, repair=True)
        assert set(drift.by_field) == {"visits_30"}
    got = _fresh(ann)
    assert (got.figures_on, got.visits_30, got.spent_30) == (today, 0, Decimal("0.00"))
