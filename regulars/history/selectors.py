"""Reads of history: always through a customer the actor may see (a location-limited member
sees the history of the customers of their locations, wherever it happened)."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Prefetch, QuerySet

from regulars.core.errors import NotFound
from regulars.customers.models import Customer
from regulars.customers.selectors import customer_get_for_actor, customer_list
from regulars.history.models import Invoice, Order, OrderLine, Payment, Service, Visit
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

M = TypeVar("M", bound=Model)


def _visible_customers(org: Organization, actor: Actor) -> QuerySet[Customer]:
    """Every customer the actor may see, deleted ones included (their history stays)."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    if actor.location_ids is None:
        return Customer.objects.all()
    live = customer_list(org=org, actor=actor, status="all")
    return Customer.objects.filter(id__in=live.values("id"))


def _narrow(
    rows: QuerySet[M], org: Organization, actor: Actor, customer_id: int | None
) -> QuerySet[M]:
    if customer_id is not None:
        customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
        return rows.filter(customer_id=customer_id)
    if actor.location_ids is None:
        assert_in_scope(org)
        actor.require(Cap.CUSTOMERS_VIEW)
        return rows
    return rows.filter(customer_id__in=_visible_customers(org, actor).values("id"))


def service_list(
    *, org: Organization, actor: Actor, offered_only: bool = False
) -> QuerySet[Service]:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    services = Service.objects.all()
    return services.filter(active=True) if offered_only else services


def service_get_for_actor(*, org: Organization, actor: Actor, service_id: int) -> Service:
    found = service_list(org=org, actor=actor).filter(pk=service_id).first()
    if found is None:
        raise NotFound()
    return found


def visit_list(
    *, org: Organization, actor: Actor, customer_id: int | None = None
) -> QuerySet[Visit]:
    rows = Visit.objects.select_related("customer", "location").prefetch_related("services")
    return _narrow(rows, org, actor, customer_id)


def visit_get_for_actor(*, org: Organization, actor: Actor, visit_id: int) -> Visit:
    found = visit_list(org=org, actor=actor).filter(pk=visit_id).first()
    if found is None:
        raise NotFound()
    return found


def order_list(
    *, org: Organization, actor: Actor, customer_id: int | None = None
) -> QuerySet[Order]:
    rows = Order.objects.select_related("customer", "location", "refund_of").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id"))
    )
    return _narrow(rows, org, actor, customer_id)


def order_get_for_actor(*, org: Organization, actor: Actor, order_id: int) -> Order:
    found = order_list(org=org, actor=actor).filter(pk=order_id).first()
    if found is None:
        raise NotFound()
    return found


def invoice_list(
    *, org: Organization, actor: Actor, customer_id: int | None = None
) -> QuerySet[Invoice]:
    return _narrow(Invoice.objects.select_related("customer", "location"), org, actor, customer_id)


def invoice_get_for_actor(*, org: Organization, actor: Actor, invoice_id: int) -> Invoice:
    found = invoice_list(org=org, actor=actor).filter(pk=invoice_id).first()
    if found is None:
        raise NotFound()
    return found


def payment_list(
    *,
    org: Organization,
    actor: Actor,
    customer_id: int | None = None,
    invoice_id: int | None = None,
) -> QuerySet[Payment]:
    rows = _narrow(Payment.objects.select_related("invoice", "customer"), org, actor, customer_id)
    if invoice_id is not None:
        invoice_get_for_actor(org=org, actor=actor, invoice_id=invoice_id)
        rows = rows.filter(invoice_id=invoice_id)
    return rows


def payment_get_for_actor(*, org: Organization, actor: Actor, payment_id: int) -> Payment:
    found = payment_list(org=org, actor=actor).filter(pk=payment_id).first()
    if found is None:
        raise NotFound()
    return found
