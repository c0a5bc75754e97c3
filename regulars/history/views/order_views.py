"""The forms that record, edit and delete an order or a refund, with its lines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from regulars.core.errors import Conflict, DomainError, NotFound
from regulars.history import orders, selectors
from regulars.history.clean import local_input
from regulars.history.forms import OrderForm, OrderLineForm
from regulars.history.models import Order
from regulars.history.views.common_views import (
    _confirm,
    _customer,
    _locations,
    _own,
    _profile,
    _services,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required

LINES_SHOWN = 3  # empty line rows on a new order; "Add a line" adds one more


def _line_forms(
    actor: Actor, data: Any, *, count: int, initial: list[dict[str, Any]] | None = None
) -> list[OrderLineForm]:
    services = _services(actor)
    initial = initial or []
    return [
        OrderLineForm(
            data,
            services=services,
            prefix=f"line-{i}",
            initial=initial[i] if i < len(initial) else None,
        )
        for i in range(count)
    ]


def _line_count(request: HttpRequest, default: int) -> int:
    raw = request.POST.get("line_count", "")
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else default
    count = max(1, min(count, orders.LINES_MAX))
    if "add_line" in request.POST:
        count = min(count + 1, orders.LINES_MAX)
    return count


def _focus_new_line(request: HttpRequest, lines: list[OrderLineForm]) -> None:
    """After "Add a line" the page comes back with the new line's first input focused."""
    if "add_line" in request.POST and lines:
        lines[-1].fields["description"].widget.attrs["autofocus"] = True


def _order_payload(form: OrderForm, lines: list[OrderLineForm], *, refund: bool) -> Any:
    """The service's data, and which line form each sent line came from (for its errors);
    None when a line form is invalid."""
    if not all(line.is_valid() for line in lines):
        return None
    data = form.data_for_service()
    sent: list[dict[str, Any]] = []
    origin: list[int] = []
    for i, line in enumerate(lines):
        if not line.is_blank:
            sent.append(line.line())
            origin.append(i)
    if refund:
        amount = str(data.get("amount") or "").strip()
        if amount and not amount.startswith("-"):
            data["amount"] = f"-{amount}"
    if sent:
        data["lines"] = sent
        data.pop("amount", None)
    return data, origin


def _place_order_error(
    exc: DomainError, form: OrderForm, lines: list[OrderLineForm], origin: list[int]
) -> None:
    """`lines.2.quantity` goes on the third sent line's quantity; the rest on the form."""
    rest: list[Any] = []
    for error in exc.errors:
        parts = error.field.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(origin):
                target = lines[origin[index]]
                name = parts[2] if len(parts) > 2 and parts[2] in target.fields else None
                target.add_error(name, error.message)
                continue
        rest.append(error)
    if rest or not exc.errors:
        exc = DomainError(detail=exc.detail, code=exc.code, errors=rest, extra=exc.extra)
        form.add_domain_error(exc)


def _order_form(
    actor: Actor, data: Any, *, refund: bool, order: Order | None = None, **kw: Any
) -> OrderForm:
    return OrderForm(
        data,
        locations=_locations(actor, order.location if order else None),
        time_zone=actor.org.time_zone,
        refund=refund,
        **kw,
    )


def _order_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "history/order_form.html", context)


def _refund_left(original: Order) -> Any:
    return original.total + sum((r.total for r in original.refunds.all()), 0)


@staff_required()
def order_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A sale, or with `?refund_of=<order id>` a refund of that order."""
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    actor.require(Cap.HISTORY_EDIT)
    original = None
    raw = request.GET.get("refund_of", "")
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
            raise NotFound()
        original = selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=int(raw))
        _own(original, customer)
    refund = original is not None
    initial: dict[str, Any] = {"ordered_at": local_input(actor.org, timezone.now())}
    if original is not None:
        initial.update(
            amount=_refund_left(original),
            payment_method=original.payment_method,
            location_id=original.location_id or "",
        )
    form = _order_form(actor, request.POST or None, refund=refund, initial=initial)
    count = _line_count(request, LINES_SHOWN)
    lines = [] if refund else _line_forms(actor, request.POST or None, count=count)
    if request.method == "POST" and "add_line" not in request.POST and form.is_valid():
        payload = _order_payload(form, lines, refund=refund)
        if payload is not None:
            data, origin = payload
            data["customer_id"] = customer.pk
            if original is not None:
                data["refund_of_id"] = original.pk
            try:
                orders.order_record(org=actor.org, actor=actor, data=data)
            except DomainError as exc:
                _place_order_error(exc, form, lines, origin)
            else:
                messages.success(request, "Refund recorded." if refund else "Order recorded.")
                return redirect(_profile(customer.pk, "orders"))
    _focus_new_line(request, lines)
    context = {
        "form": form,
        "lines": lines,
        "line_count": len(lines),
        "customer": customer,
        "order": None,
        "refund_of": original,
        "refund_left": _refund_left(original) if original else None,
    }
    return _order_page(request, context)


@staff_required()
def order_edit(request: HttpRequest, customer_id: int, order_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    order = selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=order_id)
    _own(order, customer)
    actor.require(Cap.HISTORY_EDIT)
    refund = order.total < 0
    existing = list(order.lines.all())
    initial: dict[str, Any] = {
        "number": order.number,
        "ordered_at": local_input(actor.org, order.ordered_at),
        "location_id": order.location_id or "",
        "discount": order.discount,
        "payment_method": order.payment_method,
        "note": order.note,
    }
    if not existing:
        initial["amount"] = abs(order.subtotal) if refund else order.subtotal
    form = _order_form(actor, request.POST or None, refund=refund, order=order, initial=initial)
    line_initial = [
        {
            "description": line.description,
            "service_id": line.service_id or "",
            "quantity": line.quantity.normalize(),
            "unit_price": line.unit_price,
        }
        for line in existing
    ]
    count = _line_count(request, len(existing) + 1)
    lines = (
        []
        if refund
        else _line_forms(actor, request.POST or None, count=count, initial=line_initial)
    )
    if request.method == "POST" and "add_line" not in request.POST and form.is_valid():
        payload = _order_payload(form, lines, refund=refund)
        if payload is not None:
            data, origin = payload
            try:
                if "lines" not in data and not str(data.get("amount") or "").strip():
                    raise DomainError.for_field("amount", "Give the order's lines or its amount.")
                orders.order_update(org=actor.org, actor=actor, order_id=order.pk, data=data)
            except DomainError as exc:
                _place_order_error(exc, form, lines, origin)
            else:
                messages.success(request, "Refund saved." if refund else "Order saved.")
                return redirect(_profile(customer.pk, "orders"))
    _focus_new_line(request, lines)
    context = {
        "form": form,
        "lines": lines,
        "line_count": len(lines),
        "customer": customer,
        "order": order,
        "refund_of": order.refund_of,
        "refund_left": None,
    }
    return _order_page(request, context)


@staff_required()
def order_delete(request: HttpRequest, customer_id: int, order_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    order = selectors.order_get_for_actor(org=actor.org, actor=actor, order_id=order_id)
    _own(order, customer)
    actor.require(Cap.HISTORY_EDIT)
    kind = "refund" if order.total < 0 else "order"
    back = reverse("history:order-edit", kwargs={"customer_id": customer.pk, "order_id": order.pk})
    title = f"Delete {kind} {order.number}?"
    text = f"The {kind} of {order.total} leaves {customer}'s history and figures; the audit log keeps it."
    if request.method == "POST":
        try:
            orders.order_delete(org=actor.org, actor=actor, order_id=order.pk)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return _confirm(
                request, customer=customer, title=title, text=text, button="", back=back, status=409
            )
        messages.success(request, f"{kind.capitalize()} {order.number} deleted.")
        return redirect(_profile(customer.pk, "orders"))
    return _confirm(
        request, customer=customer, title=title, text=text, button=f"Delete {kind}", back=back
    )
