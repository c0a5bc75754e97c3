"""Invoices and the payments against them. An invoice's `paid_amount` and `paid_on` (the
day its payments first covered it) are kept here with every payment write; its status
(open, part-paid, paid, overdue, written off) is derived from them and the day."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from regulars.audit.services import audit_record
from regulars.core.errors import Conflict, DomainError, FieldError
from regulars.customers.models import CustomerSource
from regulars.history import clean
from regulars.history.common import check_location, lock_customers, refresh, reread
from regulars.history.customer_ref import event_customer
from regulars.history.models import Invoice, Payment, PaymentMethod
from regulars.history.selectors import invoice_get_for_actor, payment_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization


def _clean(org: Organization, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "number" in data:
        cleaned["number"] = clean.text(data["number"], "number", limit=40)
    if "issued_on" in data or not partial:
        cleaned["issued_on"] = clean.day(data.get("issued_on"), "issued_on")
    if "due_on" in data or not partial:
        cleaned["due_on"] = clean.day(data.get("due_on"), "due_on")
    if "amount" in data or not partial:
        amount = clean.money(data.get("amount"), "amount")
        if amount <= 0:
            raise DomainError.for_field("amount", "An invoice's amount is more than zero.")
        cleaned["amount"] = amount
    if "written_off" in data and not isinstance(data["written_off"], bool):
        raise DomainError.for_field("written_off", "Must be true or false.")
    if "location_id" in data:
        cleaned["location"] = clean.location(org, data["location_id"])
    if "note" in data:
        cleaned["note"] = clean.note(data["note"])
    return cleaned


def _check(invoice: Invoice) -> None:
    if invoice.due_on < invoice.issued_on:
        raise DomainError.for_field("due_on", "The due date is before the issue date.")
    if invoice.amount < invoice.paid_amount:
        raise DomainError.for_field(
            "amount", f"Payments of {invoice.paid_amount} are recorded; the amount cannot be less."
        )


def _save(invoice: Invoice) -> None:
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        message = f"Invoice number {invoice.number} is already used."
        raise Conflict(
            detail=message, code="number_taken", errors=[FieldError("number", message)]
        ) from None


def _settle(invoice: Invoice) -> None:
    """Recomputes what is paid and the day the payments first covered the amount."""
    paid = Decimal("0")
    paid_on = None
    for day, amount in invoice.payments.order_by("paid_on", "id").values_list("paid_on", "amount"):
        paid += amount
        if paid_on is None and paid >= invoice.amount:
            paid_on = day
    invoice.paid_amount, invoice.paid_on = paid, paid_on


def _written_off(invoice: Invoice, data: dict[str, Any], org: Organization) -> None:
    if "written_off" not in data:
        return
    from regulars.history.figures import org_today

    if data["written_off"] and invoice.written_off_on is None:
        invoice.written_off_on = org_today(org)
    elif not data["written_off"]:
        invoice.written_off_on = None


def _audited(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "amount": invoice.amount,
        "written_off_on": invoice.written_off_on,
        "location": str(invoice.location) if invoice.location_id else None,
        "note": invoice.note,
    }


@transaction.atomic
def invoice_record(
    *, org: Organization, actor: Actor, data: dict[str, Any], source: str = CustomerSource.API
) -> tuple[Invoice, bool]:
    actor.require(Cap.HISTORY_EDIT)
    cleaned = _clean(org, data, partial=False)
    check_location(actor, cleaned)
    customer, created = event_customer(
        org=org,
        actor=actor,
        customer_id=data.get("customer_id"),
        ref=data.get("customer"),
        source=data.get("source") or source,
    )
    lock_customers([customer.pk])
    invoice = Invoice(organization=org, customer=customer, **cleaned)
    if not invoice.number:
        invoice.number = f"I-{secrets.token_hex(4).upper()}"
    _written_off(invoice, data, org)
    _check(invoice)
    _save(invoice)
    audit_record(
        org=org,
        actor=actor,
        action="history.invoice.recorded",
        target=invoice,
        changes={**_audited(invoice), "customer_created": created},
        customer_id=customer.pk,
    )
    refresh(org, [customer.pk])
    return invoice, created


@transaction.atomic
def invoice_update(
    *, org: Organization, actor: Actor, invoice_id: int, data: dict[str, Any]
) -> Invoice:
    """Changes what `data` holds; `written_off: true` writes it off today, false undoes it."""
    invoice = invoice_get_for_actor(org=org, actor=actor, invoice_id=invoice_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([invoice.customer_id])
    reread(invoice)  # what the writer before us committed (the lock orders us)
    before = _audited(invoice)
    cleaned = _clean(org, data, partial=True)
    check_location(actor, cleaned, invoice.location_id)
    for name, value in cleaned.items():
        setattr(invoice, name, value)
    if "number" in data and not invoice.number:
        raise DomainError.for_field("number", "An invoice keeps a number.")
    _written_off(invoice, data, org)
    _check(invoice)
    _settle(invoice)
    after = _audited(invoice)
    changes = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    if changes:
        _save(invoice)
        audit_record(
            org=org,
            actor=actor,
            action="history.invoice.edited",
            target=invoice,
            changes=changes,
            customer_id=invoice.customer_id,
        )
        refresh(org, [invoice.customer_id])
    return invoice


@transaction.atomic
def invoice_delete(*, org: Organization, actor: Actor, invoice_id: int) -> None:
    invoice = invoice_get_for_actor(org=org, actor=actor, invoice_id=invoice_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([invoice.customer_id])
    if invoice.payments.exists():
        raise Conflict(
            detail="Payments are recorded against this invoice; delete them first, or write "
            "the invoice off.",
            code="has_payments",
        )
    audit_record(
        org=org,
        actor=actor,
        action="history.invoice.deleted",
        target=invoice,
        changes=_audited(invoice),
        customer_id=invoice.customer_id,
    )
    customer_id = invoice.customer_id
    invoice.delete()
    refresh(org, [customer_id])


def _clean_payment(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "paid_on" in data or not partial:
        cleaned["paid_on"] = clean.day(data.get("paid_on"), "paid_on")
    if "amount" in data or not partial:
        amount = clean.money(data.get("amount"), "amount")
        if amount <= 0:
            raise DomainError.for_field("amount", "A payment is more than zero.")
        cleaned["amount"] = amount
    if "method" in data:
        cleaned["method"] = clean.choice(
            data["method"] or PaymentMethod.CARD, "method", list(PaymentMethod.values)
        )
    if "note" in data:
        cleaned["note"] = clean.note(data["note"], limit=500)
    return cleaned


def _after_payment(org: Organization, invoice: Invoice, payment: Payment) -> None:
    _settle(invoice)
    if invoice.paid_amount > invoice.amount:
        raise DomainError.for_field(
            "amount",
            f"At most {invoice.amount - invoice.paid_amount + payment.amount} is left to pay "
            f"on invoice {invoice.number}.",
        )
    invoice.save(update_fields=["paid_amount", "paid_on", "updated_at"])


@transaction.atomic
def payment_record(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Payment:
    """A payment against `data["invoice_id"]`, at most the invoice's balance."""
    actor.require(Cap.HISTORY_EDIT)
    invoice_id = data.get("invoice_id")
    if isinstance(invoice_id, bool) or not isinstance(invoice_id, int):
        raise DomainError.for_field("invoice_id", "Choose the invoice by its id.")
    try:
        invoice = invoice_get_for_actor(org=org, actor=actor, invoice_id=invoice_id)
    except DomainError as exc:
        if exc.status == 404:
            raise DomainError.for_field("invoice_id", "No invoice has this id.") from None
        raise
    lock_customers([invoice.customer_id])
    reread(invoice)
    if invoice.written_off_on is not None:
        raise DomainError.for_field("invoice_id", "This invoice is written off.")
    payment = Payment(
        organization=org,
        invoice=invoice,
        customer_id=invoice.customer_id,
        **_clean_payment(data, partial=False),
    )
    payment.save()
    _after_payment(org, invoice, payment)
    audit_record(
        org=org,
        actor=actor,
        action="history.payment.recorded",
        target=payment,
        changes={
            "invoice": invoice.number,
            "paid_on": payment.paid_on,
            "amount": payment.amount,
            "method": payment.method,
        },
        customer_id=invoice.customer_id,
    )
    refresh(org, [invoice.customer_id])
    return payment


@transaction.atomic
def payment_update(
    *, org: Organization, actor: Actor, payment_id: int, data: dict[str, Any]
) -> Payment:
    payment = payment_get_for_actor(org=org, actor=actor, payment_id=payment_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([payment.customer_id])
    reread(payment)
    if Invoice.objects.filter(pk=payment.invoice_id, written_off_on__isnull=False).exists():
        raise DomainError.for_field("invoice_id", "This invoice is written off.")
    changes: dict[str, Any] = {}
    for name, value in _clean_payment(data, partial=True).items():
        if getattr(payment, name) != value:
            changes[name] = (getattr(payment, name), value)
            setattr(payment, name, value)
    if changes:
        payment.save()
        invoice = Invoice.objects.get(pk=payment.invoice_id)
        _after_payment(org, invoice, payment)
        audit_record(
            org=org,
            actor=actor,
            action="history.payment.edited",
            target=payment,
            changes=changes,
            customer_id=payment.customer_id,
        )
        refresh(org, [payment.customer_id])
    return payment


@transaction.atomic
def payment_delete(*, org: Organization, actor: Actor, payment_id: int) -> None:
    payment = payment_get_for_actor(org=org, actor=actor, payment_id=payment_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([payment.customer_id])
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    audit_record(
        org=org,
        actor=actor,
        action="history.payment.deleted",
        target=payment,
        changes={"invoice": invoice.number, "paid_on": payment.paid_on, "amount": payment.amount},
        customer_id=payment.customer_id,
    )
    payment.delete()
    _settle(invoice)
    invoice.save(update_fields=["paid_amount", "paid_on", "updated_at"])
    refresh(org, [payment.customer_id])
