"""Prepared querysets: compiled once, yet scoped to the organization of each call."""

from __future__ import annotations

import pytest

from regulars.accounts.models import ApiKey
from regulars.customers.models import Customer
from regulars.tenancy.models import Location
from regulars.tenancy.prepared import Prepared
from regulars.tenancy.scope import ScopeError, tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_one_compilation_answers_for_the_organization_in_scope(world: World) -> None:
    alice = make_customer(world.org_a, "Alice", "Able")
    bert = make_customer(world.org_b, "Bert", "Bee")
    by_id: Prepared[Customer] = Prepared(
        lambda customer_id: Customer.objects.filter(pk=customer_id), args={"customer_id": "int"}
    )
    with tenant_scope(world.org_a):
        assert by_id(customer_id=alice.pk) == [alice]
        assert by_id(customer_id=bert.pk) == []  # another organization's row: not found
    with tenant_scope(world.org_b):
        assert by_id(customer_id=bert.pk) == [bert]
        assert by_id(customer_id=alice.pk) == []
    assert len(by_id._compiled) == 1
    with pytest.raises(ScopeError):
        by_id(customer_id=alice.pk)  # no organization in scope: fails closed


def test_rows_are_the_orms_rows(world: World) -> None:
    make_customer(world.org_a, "Alice", "Able", locations=[world.loc_a1])
    names: Prepared[tuple[str, str]] = Prepared(
        lambda org_id: (
            Location.objects.filter(organization_id=org_id)
            .order_by("name")
            .values_list("name", "organization__slug")
        ),
        args={"org_id": "int"},
    )
    with tenant_scope(world.org_a):
        expected = list(Location.objects.order_by("name").values_list("name", "organization__slug"))
        assert names(org_id=world.org_a.pk) == expected
        customer = Customer.objects.get(first_name="Alice")
        prepared = Prepared(
            lambda customer_id: Customer.objects.filter(pk=customer_id), args={"customer_id": "int"}
        )(customer_id=customer.pk)[0]
    assert [getattr(prepared, f.attname) for f in Customer._meta.concrete_fields] == [
        getattr(customer, f.attname) for f in Customer._meta.concrete_fields
    ]
    assert prepared._state.adding is False


def test_select_related_rows_carry_the_related_object(world: World) -> None:
    by_name: Prepared[ApiKey] = Prepared(
        lambda name: ApiKey.unscoped.select_related("organization").filter(name=name),
        args={"name": "str"},
        tenant=False,
    )
    with tenant_scope(world.org_b):
        ApiKey.objects.create(name="till", prefix="0123456789ab", key_hash="x")
    (key,) = by_name(name="till")  # unscoped: no organization needed
    assert key.organization == world.org_b
    assert "organization" in key._state.fields_cache


def test_shapes_that_cannot_be_prepared_fail_when_compiled(world: World) -> None:
    with tenant_scope(world.org_a):
        unscoped: Prepared[Customer] = Prepared(
            lambda customer_id: Customer.unscoped.filter(pk=customer_id),
            args={"customer_id": "int"},
        )
        with pytest.raises(ScopeError):
            unscoped(customer_id=1)
        transformed: Prepared[Customer] = Prepared(
            lambda name: Customer.objects.filter(last_name__icontains=name), args={"name": "str"}
        )
        with pytest.raises(ValueError, match="as given"):
            transformed(name="smit")
        with pytest.raises(TypeError):
            transformed(nom="smit")
