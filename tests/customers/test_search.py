"""Customer search: folding, every kind of value, ranking, the index kept in step, plans."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from regulars.customers import selectors, services
from regulars.customers.models import Customer
from regulars.customers.search import (
    candidate_statements,
    customer_search,
    fold,
    search_fields,
    search_query,
)
from regulars.demo.generator import CustomerGenerator
from regulars.demo.loader import LoadPlan, customers_insert
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _create(world: World, org: Any = None, **data: Any) -> Customer:
    org = org or world.org_a
    owner = world.owner_a if org == world.org_a else world.owner_b
    with tenant_scope(org):
        return services.customer_create(org=org, actor=owner.actor, data=data)


def _names(world: World, q: str, org: Any = None) -> list[str]:
    """Display names of what `q` finds, in rank order."""
    org = org or world.org_a
    owner = world.owner_a if org == world.org_a else world.owner_b
    with tenant_scope(org):
        customers = selectors.customer_list(org=org, actor=owner.actor)
        ids = customer_search(customers, q)
        by_id = {c.pk: c for c in Customer.objects.filter(id__in=ids)}
        return [by_id[pk].display_name for pk in ids]


@pytest.fixture
def people(world: World) -> dict[str, Customer]:
    specs: dict[str, dict[str, Any]] = {
        "smith": {"first_name": "John", "last_name": "Smith", "email": "john@gmail.com"},
        "smithers": {
            "first_name": "Waylon",
            "last_name": "Smithers",
            "email": "w@plant.example.com",
        },
        "goldsmith": {"first_name": "Oliver", "last_name": "Goldsmith"},
        "simmons": {"first_name": "Jane", "last_name": "Simmons"},
        "zoe": {"first_name": "Zoë", "last_name": "Adams"},
        "soren": {"first_name": "Søren", "last_name": "Kierkegaard"},
        "lukasz": {"first_name": "Łukasz", "last_name": "Nowak"},
        "ng": {"first_name": "Kevin", "last_name": "Ng"},
        "li": {"first_name": "Mei", "last_name": "Li"},
        "mas": {"first_name": "Mary Ann", "last_name": "Smith"},
        "phone": {
            "first_name": "Phoebe",
            "last_name": "Caller",
            "phone_mobile": "+61 412 555 123",
        },
        "company": {"company": "Acme Widgets Pty Ltd", "email": "sales@acme.example.com"},
        "address": {
            "first_name": "Addie",
            "last_name": "Place",
            "address_line1": "42 Wallaby Way",
            "city": "Wollongong",
            "postal_code": "SW1A 1AA",
            "loyalty_card": "LC-778899",
            "external_id": "crm-4471-x",
        },
    }
    return {key: _create(world, **data) for key, data in specs.items()}


def test_fold_is_lower_ascii_with_identifier_punctuation() -> None:
    assert fold("  Zoë   Łukasz-Müller ") == "zoe lukasz-muller"
    assert fold("O’Brien") == "obrien"
    assert fold("John.Smith+x@GMAIL.com") == "john.smith+x@gmail.com"
    assert fold("Søren, (Copenhagen)") == "soren copenhagen"
    assert search_query("0412 555").words == ("0412555",)
    assert search_query("+61412555").words == ("61412555",)


def test_search_fields_hold_every_kind_of_value() -> None:
    fields = search_fields(
        {
            "first_name": "Mary Ann",
            "last_name": "Smith",
            "email": "Mary@Example.com",
            "phone_mobile": "+61412555123",
            "postal_code": "SW1A 1AA",
        }
    )
    assert fields["initials"] == "mas"
    assert fields["first_folded"] == "mary ann"
    assert fields["last_folded"] == "smith"
    assert fields["email_folded"] == "mary@example.com"
    doc = fields["search_doc"]
    assert "61412555123" in doc and "0412555123" in doc and "sw1a1aa" in doc


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("smit", {"John Smith", "Waylon Smithers", "Oliver Goldsmith", "Mary Ann Smith"}),
        ("SMIT", {"John Smith", "Waylon Smithers", "Oliver Goldsmith", "Mary Ann Smith"}),
        ("zoe", {"Zoë Adams"}),
        ("zoë", {"Zoë Adams"}),
        ("soren", {"Søren Kierkegaard"}),
        ("lukasz", {"Łukasz Nowak"}),
        ("john smi", {"John Smith"}),
        ("smith john", {"John Smith"}),
        ("Ng", {"Kevin Ng"}),
        ("li", {"Mei Li"}),
        ("JS", {"John Smith", "Jane Simmons"}),
        ("MAS", {"Mary Ann Smith"}),
        ("@gmail", {"John Smith"}),
        ("john@gmail.com", {"John Smith"}),
        ("plant.example", {"Waylon Smithers"}),
        ("0412 555", {"Phoebe Caller"}),
        ("+61412555", {"Phoebe Caller"}),
        ("412-555-123", {"Phoebe Caller"}),
        ("5551", {"Phoebe Caller"}),
        ("acme", {"Acme Widgets Pty Ltd"}),
        ("widgets pty", {"Acme Widgets Pty Ltd"}),
        ("wallaby", {"Addie Place"}),
        ("wollongong", {"Addie Place"}),
        ("sw1a 1aa", {"Addie Place"}),
        ("sw1a1aa", {"Addie Place"}),
        ("lc-778899", {"Addie Place"}),
        ("778899", {"Addie Place"}),
        ("crm-4471", {"Addie Place"}),
    ],
)
def test_finds(world: World, people: dict[str, Customer], q: str, expected: set[str]) -> None:
    assert set(_names(world, q)) == expected


def test_finds_by_account_number(world: World, people: dict[str, Customer]) -> None:
    number = people["goldsmith"].account_number
    assert _names(world, number) == ["Oliver Goldsmith"]
    assert _names(world, number.lower()) == ["Oliver Goldsmith"]


def test_ranks_exact_then_prefix_then_substring_then_recent(world: World) -> None:
    goldsmith = _create(world, first_name="Ann", last_name="Goldsmith")
    smithers = _create(world, first_name="Bob", last_name="Smithers")
    smithson = _create(world, first_name="Cat", last_name="Smithson")
    smith = _create(world, first_name="Dan", last_name="Smith")
    # The older prefix match comes after the recently changed one.
    with tenant_scope(world.org_a):
        Customer.objects.filter(pk=smithers.pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )
    assert _names(world, "smith") == [
        "Dan Smith",  # exact
        "Cat Smithson",  # prefix, most recent
        "Bob Smithers",  # prefix, older
        "Ann Goldsmith",  # substring
    ]
    assert {goldsmith.pk, smithson.pk, smith.pk}


def test_short_terms_use_prefixes_only(world: World) -> None:
    _create(world, first_name="Al", last_name="Jones")
    _create(world, first_name="Sal", last_name="Baker")  # "al" inside, not at the start
    _create(world, first_name="Tom", last_name="Alder")
    assert set(_names(world, "al")) == {"Al Jones", "Tom Alder"}
    assert _names(world, "al")[0] == "Al Jones"  # exact first name before prefix


def test_raw_insert_like_the_demo_loader_is_searchable(world: World) -> None:
    rows = [
        dataclasses.replace(row, first_name="Rawinsert", last_name="Zyxwvut")
        for row in [CustomerGenerator(7).row(1)]
    ]
    with tenant_scope(world.org_a):
        ids = customers_insert(
            org=world.org_a, actor=world.owner_a.actor, rows=rows, plan=LoadPlan(notes=False)
        )
    assert _names(world, "xwvu") == ["Rawinsert Zyxwvut"]
    assert _names(world, "rawi") == ["Rawinsert Zyxwvut"]
    assert _names(world, "rz") == ["Rawinsert Zyxwvut"]
    with tenant_scope(world.org_a):
        assert Customer.objects.get(pk=ids[0]).search_doc.startswith("rawinsert zyxwvut")


def test_update_and_delete_keep_the_index_in_step(world: World) -> None:
    customer = _create(world, first_name="Gertrude", last_name="Oldname")
    assert _names(world, "oldnam") == ["Gertrude Oldname"]
    with tenant_scope(world.org_a):
        services.customer_update(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=customer.pk,
            data={"last_name": "Newname", "phone_mobile": "+44 20 7946 0958"},
            expected_version=customer.version,
        )
    assert _names(world, "oldnam") == []
    assert _names(world, "newnam") == ["Gertrude Newname"]
    assert _names(world, "020 7946") == ["Gertrude Newname"]
    # A hard delete (the row gone) leaves nothing behind in the index.
    with tenant_scope(world.org_a):
        Customer.objects.filter(pk=customer.pk).delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT rowid FROM customers_search WHERE customers_search MATCH %s",
                    ['"newnam"'],
                )
                assert cursor.fetchall() == []
    assert _names(world, "newnam") == []


def test_soft_deleted_customers_are_not_found(world: World) -> None:
    customer = _create(world, first_name="Dora", last_name="Deleted")
    with tenant_scope(world.org_a):
        services.customer_delete(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=customer.pk,
            expected_version=customer.version,
        )
    assert _names(world, "deleted") == []


def test_rebuild_command_refills_stale_columns(world: World) -> None:
    customer = _create(world, first_name="Rebecca", last_name="Rebuilt")
    with tenant_scope(world.org_a):
        Customer.objects.filter(pk=customer.pk).update(
            search_doc="", first_folded="", last_folded="", initials=""
        )
    assert _names(world, "rebuilt") == []
    call_command("search", "rebuild", "--org", world.org_a.slug)
    assert _names(world, "rebuilt") == ["Rebecca Rebuilt"]
    assert _names(world, "rr") == ["Rebecca Rebuilt"]
    call_command("search", "rebuild")
    assert _names(world, "rebuil") == ["Rebecca Rebuilt"]


def test_other_organizations_never_see_the_match(world: World) -> None:
    _create(world, first_name="Tenant", last_name="Secretname", phone_mobile="+61412999888")
    for q in ("secretname", "se", "ts", "0412 999 888"):
        assert _names(world, q) != []
        assert _names(world, q, org=world.org_b) == []


def test_list_page_and_api_rank_and_page(world: World, client_for: Any, api_for: Any) -> None:
    for i in range(7):
        _create(world, first_name=f"Pat{i}", last_name="Pagewise")
    _create(world, first_name="Pagewise", last_name="Exact")
    api = api_for(world.owner_a)
    first = api.get("/api/v1/customers?q=pagewise&limit=3").json()
    assert first["count"] == 8
    assert first["items"][0]["first_name"] == "Pagewise"
    seen = [c["id"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/api/v1/customers?q=pagewise&limit=3&cursor={cursor}").json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 8
    html = client_for(world.staff_a).get("/customers/?q=pagewise").content.decode()
    assert html.index("Pagewise Exact") < html.index("Pat0 Pagewise")
    assert "8 customers" in html


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


@pytest.mark.parametrize("q", ["smit", "john smi", "0412 555", "sm", "js", "lc-778899"])
def test_plans_use_indexes_not_a_table_scan(
    world: World, people: dict[str, Customer], q: str
) -> None:
    """No candidate lookup reads the whole table, nor the whole organization (an index on
    organization and deleted_at alone would)."""
    with tenant_scope(world.org_a):
        customers = selectors.customer_list(org=world.org_a, actor=world.limited_a.actor)
        statements = candidate_statements(customers, q)
        assert statements
        for sql, params in statements:
            plan = _plan(sql, params)
            if connection.vendor == "sqlite":
                lines = plan.splitlines()
                assert not [
                    ln for ln in lines if "SCAN customers_customer" in ln and "USING" not in ln
                ], plan
                assert not [
                    ln for ln in lines if ln.endswith("(organization_id=? AND deleted_at=?)")
                ], (sql, plan)
            else:
                assert "Seq Scan on customers_customer" not in plan, plan


def test_a_list_that_joins_other_tables_is_searched_the_same(
    world: World, people: dict[str, Customer]
) -> None:
    """Filters that join (categories, locations) take the ORM path; same answers."""
    with tenant_scope(world.org_a):
        customers = selectors.customer_list(org=world.org_a, actor=world.owner_a.actor)
        joined = customers.filter(organization__name="Alpha Hair")
        for q in ("smit", "js", "0412 555", "john smi", "li"):
            assert customer_search(joined, q) == customer_search(customers, q), q
