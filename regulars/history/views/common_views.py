"""What the history pages share: the customer and their profile tab, a row's owner, the
choices of locations, staff and services, and the confirmation page of a delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from regulars.core.errors import NotFound
from regulars.customers.selectors import customer_get_for_actor
from regulars.history import selectors
from regulars.history.models import Invoice, Order, Visit
from regulars.tenancy.access import Actor
from regulars.tenancy.selectors import location_list, staff_list

if TYPE_CHECKING:
    from regulars.customers.models import Customer


def _customer(actor: Actor, customer_id: int) -> Customer:
    return customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)


def _profile(customer_id: int, tab: str) -> str:
    return reverse("customers:detail", kwargs={"customer_id": customer_id}) + f"#{tab}"


def _own(row: Visit | Order | Invoice, customer: Customer) -> None:
    """A row reached under another customer's address is not found (no oracle either)."""
    if row.customer_id != customer.pk:
        raise NotFound()


def _locations(actor: Actor, keep: Any = None) -> list[tuple[Any, str]]:
    """The actor's locations; a row's current one stays choosable even if outside them."""
    choices = [(loc.pk, loc.name) for loc in location_list(org=actor.org, actor=actor)]
    if keep is not None and keep.pk not in {pk for pk, _name in choices}:
        choices.append((keep.pk, keep.name))
    return choices


def _staff(actor: Actor, keep_id: int | None = None) -> list[tuple[Any, str]]:
    members = staff_list(org=actor.org, actor=actor)
    return [
        (m.user_id, m.user.display_name) for m in members if m.is_active or m.user_id == keep_id
    ]


def _services(actor: Actor, keep: list[Any] | None = None) -> list[tuple[Any, str]]:
    offered = selectors.service_list(org=actor.org, actor=actor, offered_only=True)
    choices = [(s.pk, s.name) for s in offered]
    for service in keep or []:
        if service.pk not in {pk for pk, _name in choices}:
            choices.append((service.pk, f"{service.name} (no longer offered)"))
    return choices


def _confirm(
    request: HttpRequest,
    *,
    customer: Customer,
    title: str,
    text: str,
    button: str,
    back: str,
    status: int = 200,
) -> HttpResponse:
    context = {"customer": customer, "title": title, "text": text, "button": button, "back": back}
    return render(request, "history/confirm_delete.html", context, status=status)
