"""Undo within 7 days: an untouched import leaves every customer as it was; a touched one
lists what changed since and leaves it alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from regulars.customers.consent import consent_set
from regulars.customers.models import ConsentEvent, Customer
from regulars.customers.notes import note_add
from regulars.customers.services import customer_update
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer
from tests.transfer.helpers import csv_bytes, run_import, undo

pytestmark = pytest.mark.django_db(transaction=True)

# What a customer is, for "as it was": everything but the bookkeeping an undo must move on.
SKIP = {"version", "updated_at", "id"}


def snapshot(world: World) -> dict[int, dict[str, Any]]:
    with tenant_scope(world.org_a):
        return {
            c.pk: {
                **{k: v for k, v in model_to_dict(c).items() if k not in SKIP},
                "categories": sorted(c.categories.values_list("name", flat=True)),
                "notes": sorted(c.notes.values_list("text", flat=True)),
            }
            for c in Customer.objects.filter(deleted_at__isnull=True).order_by("id")
        }


FILE = [
    [
        "First Name",
        "Last Name",
        "Email",
        "Mobile Phone",
        "Tags",
        "Notes",
        "Accepts Email Marketing",
    ],
    ["Ann", "Changed", "ann@example.com", "+44 7700 900111", "VIP", "Likes tea", "no"],
    ["Ben", "New", "ben@example.com", "+44 7700 900222", "VIP", "", "yes"],
    ["Cy", "New", "cy@example.com", "", "", "First visit", ""],
]


def test_undo_of_an_untouched_import_restores_every_customer(world: World) -> None:
    make_customer(world.org_a, "Ann", "Original", email="ann@example.com")
    make_customer(world.org_a, "Zed", "Bystander", email="zed@example.com")
    with tenant_scope(world.org_a):
        consent_set(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=Customer.objects.get(email="ann@example.com").pk,
            channel="email",
            state="opted_in",
            source="form",
        )
    before = snapshot(world)
    run = run_import(
        world.org_a,
        world.owner_a.actor,
        csv_bytes(FILE),
        options={"create_categories": True},
    )
    assert run.counts == {"created": 2, "updated": 1, "unchanged": 0, "rejected": 0}
    middle = snapshot(world)
    assert len(middle) == 4 and middle != before
    run = undo(world.org_a, world.owner_a.actor, run)
    assert run.status == "undone"
    assert run.undo_report["conflicts"] == 0
    assert (run.undo_report["deleted"], run.undo_report["restored"]) == (2, 1)
    assert snapshot(world) == before
    with tenant_scope(world.org_a):
        reversed_ = ConsentEvent.objects.filter(source="import-undo")
        assert [(e.channel, e.state) for e in reversed_] == [("email", "opted_in")]


def test_undo_of_a_touched_import_lists_the_conflicts(world: World) -> None:
    make_customer(world.org_a, "Ann", "Original", email="ann@example.com")
    run = run_import(
        world.org_a, world.owner_a.actor, csv_bytes(FILE), options={"create_categories": True}
    )
    with tenant_scope(world.org_a):
        ann = Customer.objects.get(email="ann@example.com")
        customer_update(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=ann.pk,
            data={"city": "Leeds"},
            expected_version=ann.version,
        )
        cy = Customer.objects.get(email="cy@example.com")
        note_add(org=world.org_a, actor=world.owner_a.actor, customer_id=cy.pk, text="Came back")
    run = undo(world.org_a, world.owner_a.actor, run)
    report = run.undo_report
    assert (report["deleted"], report["restored"], report["conflicts"]) == (1, 0, 2)
    reasons = {row["number"]: row["reason"] for row in report["conflict_rows"]}
    assert reasons[2] == "edited since the import"
    assert "note" in reasons[4]
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").last_name == "Changed"
        assert Customer.objects.get(email="cy@example.com").deleted_at is None
        assert Customer.objects.get(email="ben@example.com").deleted_at is not None


def test_undo_restores_custom_values_and_only_its_own_notes(world: World) -> None:
    from regulars.customers.custom_fields import custom_field_create, custom_values_for

    make_customer(world.org_a, "Ann", "Original", email="ann@example.com")
    with tenant_scope(world.org_a):
        custom_field_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"key": "shoe", "label": "Shoe size", "field_type": "number"},
        )
    first = [["Email", "Notes"], ["ann@example.com", "Allergic to latex"]]
    run_import(world.org_a, world.owner_a.actor, csv_bytes(first), name="people.csv")
    second = [["Email", "Shoe size", "Notes"], ["ann@example.com", "42", "Likes tea"]]
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(second), name="people.csv")
    assert run.counts["updated"] == 1
    with tenant_scope(world.org_a):
        ann = Customer.objects.get(email="ann@example.com")
        assert custom_values_for(customer_ids=[ann.pk])[ann.pk]["shoe"] is not None
    run = undo(world.org_a, world.owner_a.actor, run)
    assert (run.undo_report["restored"], run.undo_report["conflicts"]) == (1, 0)
    with tenant_scope(world.org_a):
        ann = Customer.objects.get(email="ann@example.com")
        assert custom_values_for(customer_ids=[ann.pk])[ann.pk].get("shoe") is None
        assert [n.text for n in ann.notes.all()] == ["Allergic to latex"]


def test_undo_leaves_a_consent_changed_since(world: World) -> None:
    make_customer(world.org_a, "Ann", "Original", email="ann@example.com")
    rows = [["Email", "Accepts Email Marketing"], ["ann@example.com", "yes"]]
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(rows))
    with tenant_scope(world.org_a):
        ann = Customer.objects.get(email="ann@example.com")
        assert ann.email_consent == "opted_in"
        consent_set(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=ann.pk,
            channel="email",
            state="opted_out",
            source="form",
        )
    run = undo(world.org_a, world.owner_a.actor, run)
    assert run.undo_report["conflict_rows"][0]["reason"] == "consent changed since the import"
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").email_consent == "opted_out"


def test_the_same_custom_value_again_is_no_change(world: World) -> None:
    from regulars.customers.custom_fields import custom_field_create

    make_customer(world.org_a, "Ann", "Original", email="ann@example.com")
    with tenant_scope(world.org_a):
        custom_field_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"key": "shoe", "label": "Shoe size", "field_type": "number"},
        )
    rows = [["Email", "Shoe size"], ["ann@example.com", "42"]]
    first = run_import(world.org_a, world.owner_a.actor, csv_bytes(rows))
    assert first.counts["updated"] == 1
    again = run_import(world.org_a, world.owner_a.actor, csv_bytes(rows))
    assert (again.counts["updated"], again.counts["unchanged"]) == (0, 1)
