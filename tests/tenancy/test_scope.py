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
