"""An invoice's page and the forms that record, edit and delete invoices and their payments."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from regulars.core.errors import Conflict, DomainError, NotFound
from regulars.history import invoices, selectors
from regulars.history.figures import org_today
from regulars.history.forms import InvoiceForm, PaymentForm
from regulars.history.models import Invoice
from regulars.history.views.common_views import (
    _confirm,
    _customer,
    _locations,
    _own,
    _profile,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required

if TYPE_CHECKING:
    from regulars.customers.models import Customer


def _invoice_url(invoice: Invoice) -> str:
    return reverse(
        "history:invoice", kwargs={"customer_id": invoice.customer_id, "invoice_id": invoice.pk}
    )


def _invoice_of(actor: Actor, customer: Customer, invoice_id: int) -> Invoice:
    invoice = selectors.invoice_get_for_actor(org=actor.org, actor=actor, invoice_id=invoice_id)
    _own(invoice, customer)
    return invoice


@staff_required()
def invoice_detail(request: HttpRequest, customer_id: int, invoice_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    payments = selectors.payment_list(
        org=actor.org, actor=actor, customer_id=customer.pk, invoice_id=invoice.pk
    )
    context = {
        "customer": customer,
        "invoice": invoice,
        "status": invoice.status_on(org_today(actor.org)),
        "payments": list(payments),
    }
    return render(request, "history/invoice_detail.html", context)


@staff_required()
def invoice_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    actor.require(Cap.HISTORY_EDIT)
    today = org_today(actor.org)
    initial = {"issued_on": today.isoformat(), "due_on": (today + timedelta(days=14)).isoformat()}
    form = InvoiceForm(request.POST or None, locations=_locations(actor), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.data_for_service(), "customer_id": customer.pk}
        try:
            invoice, _created = invoices.invoice_record(org=actor.org, actor=actor, data=data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Invoice {invoice.number} recorded.")
            return redirect(_profile(customer.pk, "invoices"))
    context = {"form": form, "customer": customer, "invoice": None}
    return render(request, "history/invoice_form.html", context)


@staff_required()
def invoice_edit(request: HttpRequest, customer_id: int, invoice_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    actor.require(Cap.HISTORY_EDIT)
    initial = {
        "number": invoice.number,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat(),
        "amount": invoice.amount,
        "location_id": invoice.location_id or "",
        "written_off": invoice.written_off_on is not None,
        "note": invoice.note,
    }
    form = InvoiceForm(
        request.POST or None,
        locations=_locations(actor, invoice.location),
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            invoices.invoice_update(
                org=actor.org, actor=actor, invoice_id=invoice.pk, data=form.data_for_service()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Invoice {invoice.number} saved.")
            return redirect(_invoice_url(invoice))
    context = {"form": form, "customer": customer, "invoice": invoice}
    return render(request, "history/invoice_form.html", context)


@staff_required()
def invoice_delete(request: HttpRequest, customer_id: int, invoice_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    actor.require(Cap.HISTORY_EDIT)
    title = f"Delete invoice {invoice.number}?"
    text = (
        f"The invoice of {invoice.amount} leaves {customer}'s history and balance; the audit "
        "log keeps it."
    )
    if request.method == "POST":
        try:
            invoices.invoice_delete(org=actor.org, actor=actor, invoice_id=invoice.pk)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return _confirm(
                request,
                customer=customer,
                title=title,
                text=text,
                button="",
                back=_invoice_url(invoice),
                status=409,
            )
        messages.success(request, f"Invoice {invoice.number} deleted.")
        return redirect(_profile(customer.pk, "invoices"))
    return _confirm(
        request,
        customer=customer,
        title=title,
        text=text,
        button="Delete invoice",
        back=_invoice_url(invoice),
    )


@staff_required()
def payment_new(request: HttpRequest, customer_id: int, invoice_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    actor.require(Cap.HISTORY_EDIT)
    initial = {
        "paid_on": org_today(actor.org).isoformat(),
        "amount": invoice.balance if invoice.balance > 0 else "",
        "method": "card",
    }
    form = PaymentForm(request.POST or None, initial=initial)
    form.domain_field_aliases = {"invoice_id": "amount"}
    if request.method == "POST" and form.is_valid():
        data = {**form.data_for_service(), "invoice_id": invoice.pk}
        try:
            invoices.payment_record(org=actor.org, actor=actor, data=data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Payment recorded.")
            return redirect(_invoice_url(invoice))
    context = {"form": form, "customer": customer, "invoice": invoice, "payment": None}
    return render(request, "history/payment_form.html", context)


def _payment_of(actor: Actor, invoice: Invoice, payment_id: int) -> Any:
    payment = selectors.payment_get_for_actor(org=actor.org, actor=actor, payment_id=payment_id)
    if payment.invoice_id != invoice.pk:
        raise NotFound()
    return payment


@staff_required()
def payment_edit(
    request: HttpRequest, customer_id: int, invoice_id: int, payment_id: int
) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    payment = _payment_of(actor, invoice, payment_id)
    actor.require(Cap.HISTORY_EDIT)
    initial = {
        "paid_on": payment.paid_on.isoformat(),
        "amount": payment.amount,
        "method": payment.method,
        "note": payment.note,
    }
    form = PaymentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invoices.payment_update(
                org=actor.org, actor=actor, payment_id=payment.pk, data=form.data_for_service()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Payment saved.")
            return redirect(_invoice_url(invoice))
    context = {"form": form, "customer": customer, "invoice": invoice, "payment": payment}
    return render(request, "history/payment_form.html", context)


@staff_required()
def payment_delete(
    request: HttpRequest, customer_id: int, invoice_id: int, payment_id: int
) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    invoice = _invoice_of(actor, customer, invoice_id)
    payment = _payment_of(actor, invoice, payment_id)
    actor.require(Cap.HISTORY_EDIT)
    if request.method == "POST":
        invoices.payment_delete(org=actor.org, actor=actor, payment_id=payment.pk)
        messages.success(request, "Payment deleted.")
        return redirect(_invoice_url(invoice))
    return _confirm(
        request,
        customer=customer,
        title="Delete this payment?",
        text=f"The payment of {payment.amount} on {payment.paid_on:%d %b %Y} comes off invoice "
        f"{invoice.number}, which then has {invoice.balance + payment.amount} left to pay.",
        button="Delete payment",
        back=_invoice_url(invoice),
    )
