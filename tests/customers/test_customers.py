from __future__ import annotations

from typing import Any

import pytest

from regulars.audit.models import AuditEntry
from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_create_edit_delete_through_pages(world: World, client_for: Any) -> None:
    staff = client_for(world.staff_a)
    bad = staff.post("/customers/new/", {"first_name": "", "last_name": "", "email": "x@"})
    assert bad.status_code == 200
    assert b"Enter a valid email address" in bad.content
    assert b'value="x@"' in bad.content
    nameless = staff.post("/customers/new/", {"first_name": "", "last_name": "", "email": ""})
    assert b"A first or last name is required." in nameless.content
    created = staff.post(
        "/customers/new/",
        {"first_name": "Zoë", "last_name": "O'Brien", "email": "Zoe@Example.test"},
    )
    assert created.status_code == 302
    with tenant_scope(world.org_a):
        customer = Customer.objects.get(last_name="O'Brien")
    assert customer.email == "zoe@example.test"
    page = staff.get(f"/customers/{customer.pk}/").content.decode()
    assert "Zoë O&#x27;Brien" in page  # escaped
    assert "customers.customer.created" in page  # the history shows the audit trail
    staff.post(
        f"/customers/{customer.pk}/edit/",
        {"first_name": "Zoe", "last_name": "O'Brien", "email": ""},
    )
    with tenant_scope(world.org_a):
        customer.refresh_from_db()
        assert (customer.first_name, customer.email) == ("Zoe", "")
        update = AuditEntry.objects.get(action="customers.customer.updated")
        assert update.changes["first_name"] == {"old": "Zoë", "new": "Zoe"}
    assert staff.post(f"/customers/{customer.pk}/delete/").status_code == 403
    manager = client_for(world.manager_a)
    assert manager.post(f"/customers/{customer.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        assert Customer.objects.get(pk=customer.pk).deleted_at is not None  # soft delete
    assert manager.get(f"/customers/{customer.pk}/").status_code == 404
    assert b"O&#x27;Brien" not in manager.get("/customers/").content


def test_limited_staff_create_customers_in_their_locations(world: World, client_for: Any) -> None:
    client_for(world.limited_a).post("/customers/new/", {"first_name": "Lim", "last_name": "Ited"})
    with tenant_scope(world.org_a):
        customer = Customer.objects.get(last_name="Ited")
        assert not customer.all_locations
        assert [loc.pk for loc in customer.locations.all()] == [world.loc_a1.pk]


def test_list_searches_sorts_and_pages(world: World, client_for: Any) -> None:
    from tests.factories import make_customer

    for n in range(60):
        make_customer(world.org_a, f"Person{n:02d}", "Listed", email=f"p{n}@a.test")
    make_customer(world.org_a, "Goldie", "Goldsmith")
    client = client_for(world.staff_a)
    first = client.get("/customers/?sort=-name").content.decode()
    assert "1–50 of 61" in first
    assert "Next" in first
    found = client.get("/customers/?q=smith").content.decode()
    assert "Goldsmith" in found
    assert "Listed" not in found
    partial = client.get("/customers/?q=person05", headers={"HX-Request": "true"})
    assert b"<html" not in partial.content  # htmx gets the rows only
    assert b"Person05" in partial.content


def test_api_crud_and_errors(world: World, api_for: Any) -> None:
    api = api_for(world.owner_a, "staff")
    created = api.post(
        "/api/v1/customers",
        {"first_name": "Api", "last_name": "Person", "email": "not-an-email"},
        content_type="application/json",
    )
    assert created.status_code == 400
    assert created.json()["errors"] == [
        {"field": "email", "message": "Enter a valid email address."}
    ]
    created = api.post(
        "/api/v1/customers",
        {"first_name": "Api", "last_name": "Person"},
        content_type="application/json",
    )
    assert created.status_code == 201
    cid = created.json()["id"]
    patched = api.patch(
        f"/api/v1/customers/{cid}", {"last_name": "Renamed"}, content_type="application/json"
    )
    assert patched.json()["last_name"] == "Renamed"
    assert api.get("/api/v1/customers?q=renamed").json()["count"] == 1
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.get(action="customers.customer.updated")
    assert (entry.channel, entry.actor_api_key_id is not None) == ("api", True)
