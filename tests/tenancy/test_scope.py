from __future__ import annotations

import pytest

from regulars.customers.models import Customer
from regulars.tenancy.models import Location
from regulars.tenancy.scope import ScopeError, tenant_scope
from tests.conftest import World
from tests.factories import make_customer


def test_query_without_scope_raises(world: World) -> None:
    with pytest.raises(ScopeError):
        list(Customer.objects.all())
    with pytest.raises(ScopeError):
        Location.objects.count()


def test_scope_filters_to_its_organization(world: World) -> None:
    make_customer(world.org_a, "Ann", "Alpha")
    make_customer(world.org_b, "Ben", "Beta")
    with tenant_scope(world.org_a):
        assert [c.first_name for c in Customer.objects.all()] == ["Ann"]
    with tenant_scope(world.org_b):
        assert [c.first_name for c in Customer.objects.all()] == ["Ben"]


def test_reverse_relations_are_scoped_too(world: World) -> None:
    customer = make_customer(world.org_a, "Ann", "Alpha", locations=[world.loc_a1])
    with pytest.raises(ScopeError):
        list(customer.locations.all())
    with tenant_scope(world.org_a):
        assert [loc.name for loc in customer.locations.all()] == ["Alpha North"]


def test_creating_a_row_for_another_organization_is_refused(world: World) -> None:
    with tenant_scope(world.org_a), pytest.raises(ScopeError):
        Customer.objects.create(organization=world.org_b, first_name="Sneaky")


def test_no_write_path_reaches_another_organization(world: World) -> None:
    with tenant_scope(world.org_a):
        with pytest.raises(ScopeError):
            Customer.objects.create(organization_id=world.org_b.pk, first_name="Sneaky")
        with pytest.raises(ScopeError):
            Customer.objects.bulk_create([Customer(organization=world.org_b, first_name="S")])
        with pytest.raises(ScopeError):
            Customer.objects.get_or_create(organization_id=world.org_b.pk, first_name="S")
        mine = Customer.objects.create(first_name="Mine", account_number="T1")
        assert mine.organization_id == world.org_a.pk
        with pytest.raises(ScopeError):
            Customer.objects.filter(pk=mine.pk).update(organization=world.org_b)
        bulk = Customer.objects.bulk_create([Customer(first_name="Bulk", account_number="T2")])
        assert bulk[0].organization_id == world.org_a.pk
    with tenant_scope(world.org_b):
        assert not Customer.objects.filter(first_name__in=["Sneaky", "S", "Mine"]).exists()
