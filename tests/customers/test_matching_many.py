"""The batched lookup an import uses answers each row exactly as the one-row lookup does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from regulars.customers.matching import (
    KEYS,
    customer_find_by_keys,
    customers_find_many_by_keys,
    lookup_value,
)
from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _shape(match: object) -> tuple[object, ...]:
    return (
        match.outcome,  # type: ignore[attr-defined]
        match.customer.pk if match.customer else None,  # type: ignore[attr-defined]
        sorted(c.pk for c in match.candidates),  # type: ignore[attr-defined]
        sorted(c.pk for c in match.deleted),  # type: ignore[attr-defined]
        [(h.key, h.value, h.customer_ids, h.deleted_ids) for h in match.hits],  # type: ignore[attr-defined]
    )


def test_many_rows_match_as_one_row_each(world: World) -> None:
    org, actor = world.org_a, world.owner_a.actor
    ann = make_customer(org, "Ann", "One", email="ann@example.com")
    twin = make_customer(org, "Ann", "Twin", email="ANN@example.com")  # same email key
    bob = make_customer(org, "Bob", "Two", email="bob@example.com")
    gone = make_customer(org, "Gil", "Gone", email="gil@example.com")
    old = make_customer(org, "Olly", "Merged", email="olly@example.com")
    make_customer(world.org_b, "Bob", "Elsewhere", email="bob@example.com")
    with tenant_scope(org):
        Customer.objects.filter(pk=bob.pk).update(phone_mobile="+447700900123", external_id="X1")
        Customer.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
        Customer.objects.filter(pk=old.pk).update(merged_into=bob)
        rows = [
            {"email": "ann@example.com"},  # two customers share the key: ambiguous
            {"email": "bob@example.com", "phone": "07700 900123"},
            {"email": "BOB@Example.com"},
            {"email": "gil@example.com"},  # deleted only
            {"email": "olly@example.com"},  # merged into Bob
            {"email": "nobody@example.com", "external_id": "X1"},
            {"email": "olly@example.com", "phone": "+44 7700 900123", "external_id": "X1"},
            {"email": "not an email", "phone": "12"},
            {},
            {"email": "ann@example.com", "external_id": "X1"},
        ]
        for order in (KEYS, ("external_id", "email"), ("phone",)):
            many = customers_find_many_by_keys(org=org, actor=actor, rows=rows, order=order)
            one = [customer_find_by_keys(org=org, actor=actor, keys=r, order=order) for r in rows]
            assert [_shape(m) for m in many] == [_shape(m) for m in one]
            stored = [{k: lookup_value(org, k, r.get(k, "")) for k in order} for r in rows]
            again = customers_find_many_by_keys(
                org=org, actor=actor, rows=stored, order=order, normalized=True
            )
            assert [_shape(m) for m in again] == [_shape(m) for m in one]
        many = customers_find_many_by_keys(org=org, actor=actor, rows=rows)
    outcomes = [m.outcome.value for m in many]
    assert outcomes == [
        "ambiguous",
        "one",
        "one",
        "none",
        "one",
        "one",
        "one",
        "none",
        "none",
        "ambiguous",
    ]
    assert many[4].customer is not None and many[4].customer.pk == bob.pk  # followed the merge
    assert [c.pk for c in many[3].deleted] == [gone.pk]
    assert {c.pk for c in many[0].candidates} == {ann.pk, twin.pk}
