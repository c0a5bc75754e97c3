"""Recording orders (sales) and refunds. An order has lines (item or service, quantity,
unit price) or a plain amount, less a discount; a refund is an order with a negative total,
optionally pointing to the order it refunds (never more than that order's total back)."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from regulars.audit.services import audit_record
from regulars.core.errors import Conflict, DomainError, FieldError
from regulars.customers.models import CustomerSource
from regulars.history import clean
from regulars.history.common import check_location, lock_customers, refresh, reread
from regulars.history.customer_ref import event_customer
from regulars.history.models import Order, OrderLine, PaymentMethod, Service
from regulars.history.selectors import order_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization

LINES_MAX = 200
CENT = Decimal("0.01")


def _quantity(value: Any, name: str) -> Decimal:
    if value is None or value == "":
        return Decimal("1")
    if isinstance(value, bool | float):
        raise DomainError.for_field(name, "Send the quantity as a string or a whole number.")
    try:
        quantity = Decimal(str(value).strip())
    except ArithmeticError:
        raise DomainError.for_field(name, "Enter a quantity, e.g. 2 or 0.5.") from None
    if not quantity.is_finite() or quantity == 0 or abs(quantity) >= 10_000_000:
        raise DomainError.for_field(name, "Enter a quantity other than 0, below 10,000,000.")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise DomainError.for_field(name, "At most three decimals.")
    return quantity


def _id(value: Any) -> int | None:
    """A whole-number id, also as digits in a string (what a form or a till may send)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip()) if len(value.strip()) <= 15 else None
    return None


def _lines(value: Any) -> list[OrderLine]:
    if not isinstance(value, list | tuple) or len(value) > LINES_MAX:
        raise DomainError.for_field("lines", f"Send a list of at most {LINES_MAX} lines.")
    lines: list[OrderLine] = []
    service_ids = [
        line.get("service_id")
        for line in value
        if isinstance(line, dict) and line.get("service_id")
    ]
    services = {
        s.pk: s for s in Service.objects.filter(pk__in=[i for i in map(_id, service_ids) if i])
    }
    for i, raw in enumerate(value):
        name = f"lines.{i}"
        if not isinstance(raw, dict):
            raise DomainError.for_field(name, "Each line is an object.")
        service = None
        if raw.get("service_id") not in (None, ""):
            service = services.get(_id(raw["service_id"]) or 0)
            if service is None:
                raise DomainError.for_field(f"{name}.service_id", "No service has this id.")
        description = clean.text(
            raw.get("description") or (service.name if service else ""),
            f"{name}.description",
            limit=200,
            required=True,
        )
        quantity = _quantity(raw.get("quantity"), f"{name}.quantity")
        price = raw.get("unit_price")
        if price in (None, "") and service is not None and service.price is not None:
            price = service.price
        unit_price = clean.money(price, f"{name}.unit_price", negative=True)
        amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
        if abs(amount) > clean.MONEY_MAX:
            raise DomainError.for_field(f"{name}.quantity", "The line's amount is too large.")
        lines.append(
            OrderLine(
                position=i,
                description=description,
                service=service,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
            )
        )
    return lines


def _clean(org: Organization, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "number" in data:
        cleaned["number"] = clean.text(data["number"], "number", limit=40)
    if "ordered_at" in data or not partial:
        moment = clean.moment(org, data.get("ordered_at"), "ordered_at")
        cleaned["ordered_at"] = moment
        cleaned["local_day"] = clean.local_day(org, moment)
    if "location_id" in data:
        cleaned["location"] = clean.location(org, data["location_id"])
    if "discount" in data:
        cleaned["discount"] = clean.money(data["discount"], "discount", required=False)
    if "payment_method" in data:
        cleaned["payment_method"] = clean.choice(
            data["payment_method"], "payment_method", list(PaymentMethod.values), blank=True
        )
    if "note" in data:
        cleaned["note"] = clean.note(data["note"])
    return cleaned


def _totals(order: Order, lines: list[OrderLine] | None, amount: Any) -> None:
    """Subtotal from the lines, else from `amount`; total = subtotal − discount. For a
    refund (negative subtotal) the discount lowers what is given back."""
    if lines is not None:
        order.subtotal = sum((line.amount for line in lines), Decimal("0"))
    elif amount is not None:
        order.subtotal = clean.money(amount, "amount", negative=True)
    if order.subtotal >= 0:
        order.total = order.subtotal - order.discount
    else:
        order.total = order.subtotal + order.discount
    if order.discount > abs(order.subtotal):
        raise DomainError.for_field("discount", "The discount is more than the order's amount.")
    if abs(order.total) > clean.MONEY_MAX:
        raise DomainError.for_field("amount", "The total is too large.")


def _refund_target(org: Organization, actor: Actor, order: Order, value: Any) -> None:
    if value in (None, ""):
        order.refund_of = None
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError.for_field("refund_of_id", "Choose the refunded order by its id.")
    try:
        original = order_get_for_actor(org=org, actor=actor, order_id=value)
    except DomainError:
        raise DomainError.for_field("refund_of_id", "No order has this id.") from None
    if original.customer_id != order.customer_id:
        raise DomainError.for_field("refund_of_id", "That order is another customer's.")
    if original.total <= 0:
        raise DomainError.for_field("refund_of_id", "That order is itself a refund.")
    if not order._state.adding and order.refunds.exists():
        raise DomainError.for_field(
            "refund_of_id", "This order has refunds of its own; it cannot become a refund."
        )
    order.refund_of = original


def _check_refund(order: Order) -> None:
    """A refund is negative and never gives back more than its order had left; an order
    with refunds cannot drop below what was already given back."""
    if order.refund_of_id is None:
        if order.pk is not None:
            given_back = -(
                Order.objects.filter(refund_of_id=order.pk).aggregate(s=Sum("total"))["s"]
                or Decimal("0")
            )
            if given_back and order.total < given_back:
                raise DomainError.for_field(
                    "amount", f"{given_back} of this order was refunded; its total cannot be less."
                )
        return
    if order.total >= 0:
        raise DomainError.for_field("amount", "A refund's amount is negative (e.g. -20.00).")
    others = Order.objects.filter(refund_of_id=order.refund_of_id).exclude(pk=order.pk).aggregate(
        s=Sum("total")
    )["s"] or Decimal("0")
    original = Order.objects.get(pk=order.refund_of_id)
    left = original.total + others
    if -order.total > left:
        raise DomainError.for_field(
            "amount", f"At most {left} of order {original.number} is left to refund."
        )


def _save(order: Order) -> None:
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        message = f"Order number {order.number} is already used."
        raise Conflict(
            detail=message, code="number_taken", errors=[FieldError("number", message)]
        ) from None


def _audited(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "ordered_at": order.ordered_at,
        "total": order.total,
        "refund_of": order.refund_of.number if order.refund_of else None,
    }


@transaction.atomic
def order_record(
    *, org: Organization, actor: Actor, data: dict[str, Any], source: str = CustomerSource.POS
) -> tuple[Order, bool]:
    """An order for `customer_id` or the customer `customer`'s keys find (created if none).
    `lines` or `amount`; `refund_of_id` makes it a refund of that order."""
    actor.require(Cap.HISTORY_EDIT)
    cleaned = _clean(org, data, partial=False)
    check_location(actor, cleaned)
    lines = _lines(data["lines"]) if data.get("lines") else None
    if lines is None and data.get("amount") in (None, ""):
        raise DomainError.for_field("lines", "Give the order's lines or its amount.")
    customer, created = event_customer(
        org=org,
        actor=actor,
        customer_id=data.get("customer_id"),
        ref=data.get("customer"),
        source=data.get("source") or source,
    )
    lock_customers([customer.pk])
    order = Order(organization=org, customer=customer, **cleaned)
    if not order.number:
        order.number = f"S-{secrets.token_hex(4).upper()}"
    _totals(order, lines, data.get("amount"))
    _refund_target(org, actor, order, data.get("refund_of_id"))
    _check_refund(order)
    _save(order)
    for line in lines or []:
        line.organization = org
        line.order = order
    OrderLine.objects.bulk_create(lines or [])
    audit_record(
        org=org,
        actor=actor,
        action="history.order.recorded",
        target=order,
        changes={**_audited(order), "customer_created": created},
        customer_id=customer.pk,
    )
    refresh(org, [customer.pk])
    return order, created


@transaction.atomic
def order_update(*, org: Organization, actor: Actor, order_id: int, data: dict[str, Any]) -> Order:
    """Changes what `data` holds; `lines` replaces every line, `amount` the plain amount."""
    order = order_get_for_actor(org=org, actor=actor, order_id=order_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([order.customer_id])
    reread(order)  # what the writer before us committed (the lock orders us)
    before = _audited(order)
    cleaned = _clean(org, data, partial=True)
    check_location(actor, cleaned, order.location_id)
    for name, value in cleaned.items():
        setattr(order, name, value)
    if "number" in data and not order.number:
        raise DomainError.for_field("number", "An order keeps a number.")
    lines = _lines(data["lines"]) if data.get("lines") else None
    plain = lines is None and data.get("amount") not in (None, "")
    if "refund_of_id" in data:
        _refund_target(org, actor, order, data["refund_of_id"])
    _totals(order, lines, data.get("amount"))
    _check_refund(order)
    _save(order)
    if plain:
        order.lines.all().delete()  # a plain amount replaces the lines it no longer matches
    if lines is not None:
        order.lines.all().delete()
        for line in lines:
            line.organization = org
            line.order = order
        OrderLine.objects.bulk_create(lines)
    after = _audited(order)
    changes: dict[str, Any] = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    if lines is not None:
        changes["lines"] = len(lines)
    audit_record(
        org=org,
        actor=actor,
        action="history.order.edited",
        target=order,
        changes=changes,
        customer_id=order.customer_id,
    )
    refresh(org, [order.customer_id])
    return order


@transaction.atomic
def order_delete(*, org: Organization, actor: Actor, order_id: int) -> None:
    order = order_get_for_actor(org=org, actor=actor, order_id=order_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([order.customer_id])
    if order.refunds.exists():
        raise Conflict(detail="This order has refunds; delete them first.", code="has_refunds")
    audit_record(
        org=org,
        actor=actor,
        action="history.order.deleted",
        target=order,
        changes=_audited(order),
        customer_id=order.customer_id,
    )
    customer_id = order.customer_id
    order.delete()
    refresh(org, [customer_id])
