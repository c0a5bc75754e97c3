"""GET and PATCH of /api/v1/customers/{id}: few queries, the same body as the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from regulars.customers.custom_fields import (
    custom_field_create,
    custom_values_clean,
    custom_values_for,
    custom_values_of,
    custom_values_save,
)
from regulars.customers.models import Category, Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world: World) -> Customer:
    """A customer of org A with a value of every custom field type and two categories."""
    org, actor = world.org_a, world.owner_a.actor
    customer = make_customer(org, "Alice", "Able", email="alice@a.test")
    with tenant_scope(org):
        for label, kind, options in (
            ("Hair type", "text", []),
            ("Shoe size", "number", []),
            ("Member since", "date", []),
            ("Allergic", "bool", []),
            ("Stylist", "choice", ["Ann", "Bob"]),
            ("Services", "multi", ["Perm", "Cut", "Colour"]),
            ("Unset", "multi", ["One"]),
            ("Nothing", "text", []),
        ):
            data = {"label": label, "field_type": kind, "options": options}
            custom_field_create(org=org, actor=actor, data=data)
        cleaned = custom_values_clean(
            org=org,
            values={
                "hair_type": "Curly",
                "shoe_size": "38.50",
                "member_since": "2020-01-31",
                "allergic": "no",
                "stylist": "bob",
                "services": ["Colour", "Perm"],
            },
            partial=True,
        )
        custom_values_save(customer=customer, cleaned=cleaned)
        for name in ("VIP", "Regular"):
            customer.categories.add(Category.objects.create(name=name))
    return customer


def test_values_of_one_customer_are_the_values_for_many(world: World, alice: Customer) -> None:
    bare = make_customer(world.org_a, "Bare", "Bones")
    with tenant_scope(world.org_a):
        many = custom_values_for(customer_ids=[alice.pk, bare.pk])
        assert custom_values_of(customer_id=alice.pk) == many[alice.pk]
        assert list(custom_values_of(customer_id=alice.pk)) == list(many[alice.pk])  # order
        assert custom_values_of(customer_id=bare.pk) == many[bare.pk]
    assert many[alice.pk]["services"] == ["Perm", "Colour"]  # in the options' order
    assert many[alice.pk]["shoe_size"] == "38.5"
    with tenant_scope(world.org_b):  # another organization's fields: none of alice's values
        assert custom_values_of(customer_id=alice.pk) == {}


def test_get_answers_as_the_list_does_in_four_queries(
    world: World, alice: Customer, api_for: Any, django_assert_num_queries: Any
) -> None:
    api: Client = api_for(world.owner_a)
    api.get("/api/v1/me")  # the first call of a process compiles its queries
    listed = api.get("/api/v1/customers", {"status": "all"}).json()["items"]
    # API key with its organization, the customer, its categories, its custom values.
    with django_assert_num_queries(4):
        got = api.get(f"/api/v1/customers/{alice.pk}")
    assert got.status_code == 200
    assert got.json() == next(c for c in listed if c["id"] == alice.pk)
    assert got["ETag"] == f'"{alice.pk}-1"'
    assert len(got.json()["category_ids"]) == 2


def test_get_of_a_customer_in_some_locations_reads_them_too(
    world: World, api_for: Any, django_assert_num_queries: Any
) -> None:
    south = make_customer(world.org_a, "Sam", "South", locations=[world.loc_a2, world.loc_a1])
    api: Client = api_for(world.owner_a)
    api.get(f"/api/v1/customers/{south.pk}")
    with django_assert_num_queries(5):
        got = api.get(f"/api/v1/customers/{south.pk}").json()
    assert got["location_ids"] == [world.loc_a1.pk, world.loc_a2.pk]  # by name, as before
    assert got["all_locations"] is False


def test_patch_answers_the_saved_customer(world: World, alice: Customer, api_for: Any) -> None:
    api: Client = api_for(world.owner_a)
    patched = api.patch(
        f"/api/v1/customers/{alice.pk}",
        {"city": "Benchton", "custom_fields": {"services": ["Cut"]}},
        content_type="application/json",
        headers={"If-Match": f'"{alice.pk}-1"'},
    )
    assert patched.status_code == 200
    assert patched["ETag"] == f'"{alice.pk}-2"'
    assert patched.json() == api.get(f"/api/v1/customers/{alice.pk}").json()
    assert (patched.json()["city"], patched.json()["custom_fields"]["services"]) == (
        "Benchton",
        ["Cut"],
    )


def test_other_organizations_and_hidden_customers_stay_404(
    world: World, alice: Customer, api_for: Any, client_for: Any
) -> None:
    assert api_for(world.owner_b).get(f"/api/v1/customers/{alice.pk}").status_code == 404
    north = make_customer(world.org_a, "Nora", "North", locations=[world.loc_a1])
    south = make_customer(world.org_a, "Sam", "South", locations=[world.loc_a2])
    limited: Client = client_for(world.limited_a)  # staff of loc_a1 only
    assert limited.get(f"/api/v1/customers/{north.pk}").status_code == 200
    assert limited.get(f"/api/v1/customers/{south.pk}").status_code == 404
    assert limited.get(f"/api/v1/customers/{alice.pk}").status_code == 200  # everywhere
