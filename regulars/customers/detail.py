"""One customer as the API by id renders it (`CustomerOut`): the row, its categories, its
locations (only if it is not everywhere) and its custom values, each in one query compiled
once per process. GET and PATCH of /customers/{id} answer with this on every call."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from regulars.customers.custom_fields import custom_values_of
from regulars.customers.models import Category, Customer
from regulars.customers.selectors import customer_get_for_actor
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Location, Organization
from regulars.tenancy.prepared import Prepared

# Exactly the queries `customer.categories.all()` and `customer.locations.all()` run.
_categories_of: Prepared[Category] = Prepared(
    lambda customer_id: Customer(pk=customer_id).categories.all(), args={"customer_id": "int"}
)
_locations_of: Prepared[Location] = Prepared(
    lambda customer_id: Customer(pk=customer_id).locations.all(), args={"customer_id": "int"}
)


def _set_prefetched(customer: Customer, name: str, model: type[Model], rows: list[Any]) -> None:
    """What `prefetch_related_objects` leaves: `customer.<name>.all()` answers from `rows`.

    The queryset holding them is an empty one (building the related manager's filter costs
    more than the query did): a query built on it finds nothing, never another
    organization's rows."""
    related: QuerySet[Any] = QuerySet(model=model).none()
    related._result_cache = rows
    related._prefetch_done = True  # type: ignore[attr-defined]
    if not hasattr(customer, "_prefetched_objects_cache"):
        customer._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    customer._prefetched_objects_cache[name] = related  # type: ignore[attr-defined]


def customer_detail_for_actor(*, org: Organization, actor: Actor, customer_id: int) -> Customer:
    """The customer (NotFound as `customer_get_for_actor`), with `categories`, `locations`
    and `custom_values_shaped` loaded for `CustomerOut`."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    _set_prefetched(customer, "categories", Category, _categories_of(customer_id=customer.pk))
    if not customer.all_locations:
        _set_prefetched(customer, "locations", Location, _locations_of(customer_id=customer.pk))
    customer.custom_values_shaped = custom_values_of(  # type: ignore[attr-defined]
        customer_id=customer.pk
    )
    return customer
