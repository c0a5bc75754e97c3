"""`regulars recompute-aggregates --org SLUG [--check]`: drift found, reported, repaired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from regulars.cli import main as regulars
from regulars.customers.models import Customer
from regulars.history.invoices import invoice_record
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import Member, make_customer

pytestmark = pytest.mark.django_db


def _days_ago(n: int) -> str:
    return (datetime.now(tz=UTC) - timedelta(days=n)).replace(hour=12).strftime("%Y-%m-%dT%H:%M")


def _history(org: Organization, member: Member, name: str) -> Customer:
    """A customer with visits, an order and an invoice, recorded through the services (so
    the kept figures are right)."""
    customer = make_customer(org, name, "Regular")
    with tenant_scope(org):
        for days, amount in ((90, "40.00"), (50, "45.00"), (10, "50.00")):
            visit_record(
                org=org,
                actor=member.actor,
                data={"customer_id": customer.pk, "starts_at": _days_ago(days), "amount": amount},
            )
        order_record(
            org=org,
            actor=member.actor,
            data={"customer_id": customer.pk, "ordered_at": _days_ago(5), "amount": "18.00"},
        )
        invoice_record(
            org=org,
            actor=member.actor,
            data={
                "customer_id": customer.pk,
                "issued_on": (datetime.now(tz=UTC) - timedelta(days=60)).date().isoformat(),
                "due_on": (datetime.now(tz=UTC) - timedelta(days=30)).date().isoformat(),
                "amount": "120.00",
            },
        )
        return Customer.objects.get(pk=customer.pk)


def _figures(org: Organization, pk: int) -> tuple[Any, ...]:
    with tenant_scope(org):
        return Customer.objects.filter(pk=pk).values_list(
            "total_spent", "visit_count", "last_visit", "outstanding_balance", "spent_30"
        )[0]


def _drift(org: Organization, pk: int) -> None:
    """What a bug or a hand edit leaves: figures that disagree with the history."""
    with tenant_scope(org):
        Customer.objects.filter(pk=pk).update(
            total_spent=Decimal("1.00"), visit_count=7, outstanding_balance=Decimal("0.00")
        )


def test_check_reports_drift_exits_1_and_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = _history(world.org_a, world.staff_a, "Ann")
    bob = _history(world.org_a, world.staff_a, "Bob")
    right = _figures(world.org_a, ann.pk)
    assert right[:2] == (Decimal("153.00"), 3)
    _drift(world.org_a, ann.pk)
    drifted = _figures(world.org_a, ann.pk)

    with pytest.raises(SystemExit) as exit_:
        call_command("recompute_aggregates", "--org", world.org_a.slug, "--check")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "Checked 2 customers of Alpha Hair: 1 drifted (3 fields)." in out
    for field in ("total_spent", "visit_count", "outstanding_balance"):
        assert f"  {field}" in out
    assert f"{ann.pk}  total_spent" in out and "1.00" in out and "153.00" in out
    assert f"{ann.pk}  visit_count" in out
    examples = out.split("First 3 of 3: customer id, field, stored, computed\n")[1]
    assert [line.split()[0] for line in examples.splitlines()[:3]] == [str(ann.pk)] * 3
    assert str(bob.pk) not in {line.split()[0] for line in examples.splitlines()}
    assert "Nothing changed (--check)." in out
    assert _figures(world.org_a, ann.pk) == drifted


def test_without_check_drift_is_repaired(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    ann = _history(world.org_a, world.staff_a, "Ann")
    right = _figures(world.org_a, ann.pk)
    _drift(world.org_a, ann.pk)

    call_command("recompute_aggregates", "--org", world.org_a.slug)
    out = capsys.readouterr().out
    assert "1 drifted (3 fields)" in out and "Repaired 1 customers." in out
    assert _figures(world.org_a, ann.pk) == right

    call_command("recompute_aggregates", "--org", world.org_a.slug, "--check")  # no exit 1
    assert "0 drifted (0 fields)" in capsys.readouterr().out


def test_only_the_named_organization_is_checked_and_repaired(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = _history(world.org_a, world.staff_a, "Ann")
    bea = _history(world.org_b, world.owner_b, "Bea")
    _drift(world.org_a, ann.pk)
    _drift(world.org_b, bea.pk)
    drifted_b = _figures(world.org_b, bea.pk)

    call_command("recompute_aggregates", "--org", world.org_a.slug)
    assert "Checked 1 customers of Alpha Hair: 1 drifted" in capsys.readouterr().out
    assert _figures(world.org_b, bea.pk) == drifted_b
    with pytest.raises(SystemExit):
        call_command("recompute_aggregates", "--org", world.org_b.slug, "--check")


def test_a_customer_without_history_whose_figures_are_not_zero_drifts(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    ghost = make_customer(world.org_a, "Gus", "Ghost")
    _drift(world.org_a, ghost.pk)
    with pytest.raises(SystemExit):
        call_command("recompute_aggregates", "--org", world.org_a.slug, "--check")
    assert "1 drifted (2 fields)" in capsys.readouterr().out
    call_command("recompute_aggregates", "--org", world.org_a.slug)
    assert _figures(world.org_a, ghost.pk)[:2] == (Decimal("0.00"), 0)


def test_a_read_only_member_may_check_but_not_repair(world: World) -> None:
    ann = _history(world.org_a, world.staff_a, "Ann")
    _drift(world.org_a, ann.pk)
    readonly = world.readonly_a.user.email
    with pytest.raises(CommandError, match=r"repairing needs history\.edit"):
        call_command("recompute_aggregates", "--org", world.org_a.slug, "--actor", readonly)
    with pytest.raises(SystemExit):
        call_command(
            "recompute_aggregates", "--org", world.org_a.slug, "--actor", readonly, "--check"
        )


def test_unknown_organization_is_a_clear_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match="No organization with the slug 'nope'"):
        call_command("recompute_aggregates", "--org", "nope", "--check")
    # The way people type it: `regulars recompute-aggregates`, exit status non-zero.
    with pytest.raises(SystemExit) as exit_:
        regulars(["regulars", "recompute-aggregates", "--org", "nope"])
    assert exit_.value.code not in (0, None)
    assert "No organization with the slug 'nope'." in capsys.readouterr().err
