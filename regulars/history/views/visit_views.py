"""The forms that record, edit and delete a visit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from regulars.core.errors import DomainError
from regulars.history import selectors, visits
from regulars.history.clean import local_input
from regulars.history.forms import VisitForm
from regulars.history.models import Visit, VisitStatus
from regulars.history.views.common_views import (
    _confirm,
    _customer,
    _locations,
    _own,
    _profile,
    _services,
    _staff,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required


def _visit_form(
    actor: Actor, data: Any = None, *, visit: Visit | None = None, **kwargs: Any
) -> VisitForm:
    return VisitForm(
        data,
        locations=_locations(actor, visit.location if visit else None),
        staff=_staff(actor, visit.staff_id if visit else None),
        services=_services(actor, list(visit.services.all()) if visit else None),
        time_zone=actor.org.time_zone,
        **kwargs,
    )


def _visit_data(form: VisitForm) -> dict[str, Any]:
    data = form.data_for_service()
    data.setdefault("service_ids", [])
    return data


@staff_required()
def visit_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    actor.require(Cap.HISTORY_EDIT)
    initial = {
        "starts_at": local_input(actor.org, timezone.now()),
        "status": VisitStatus.COMPLETED,
        "staff_id": actor.user.pk if actor.user is not None else "",
    }
    form = _visit_form(actor, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visits.visit_record(
                org=actor.org, actor=actor, data={**_visit_data(form), "customer_id": customer.pk}
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Visit recorded.")
            return redirect(_profile(customer.pk, "visits"))
    context = {"form": form, "customer": customer, "visit": None}
    return render(request, "history/visit_form.html", context)


@staff_required()
def visit_edit(request: HttpRequest, customer_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    visit = selectors.visit_get_for_actor(org=actor.org, actor=actor, visit_id=visit_id)
    _own(visit, customer)
    actor.require(Cap.HISTORY_EDIT)
    initial = {
        "starts_at": local_input(actor.org, visit.starts_at),
        "status": visit.status,
        "location_id": visit.location_id or "",
        "staff_id": visit.staff_id or "",
        "service_ids": [s.pk for s in visit.services.all()],
        "amount": visit.amount,
        "discount": visit.discount,
        "note": visit.note,
    }
    form = _visit_form(actor, request.POST or None, visit=visit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _visit_data(form)
        if str(data["staff_id"]) == str(visit.staff_id or ""):
            del data["staff_id"]  # kept as it is, even if they could not be chosen now
        try:
            visits.visit_update(org=actor.org, actor=actor, visit_id=visit.pk, data=data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Visit saved.")
            return redirect(_profile(customer.pk, "visits"))
    context = {"form": form, "customer": customer, "visit": visit}
    return render(request, "history/visit_form.html", context)


@staff_required()
def visit_delete(request: HttpRequest, customer_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    visit = selectors.visit_get_for_actor(org=actor.org, actor=actor, visit_id=visit_id)
    _own(visit, customer)
    actor.require(Cap.HISTORY_EDIT)
    if request.method == "POST":
        visits.visit_delete(org=actor.org, actor=actor, visit_id=visit.pk)
        messages.success(request, "Visit deleted.")
        return redirect(_profile(customer.pk, "visits"))
    when = visit.starts_at
    return _confirm(
        request,
        customer=customer,
        title="Delete this visit?",
        text=f"The {visit.get_status_display().lower()} visit of {local_input(actor.org, when).replace('T', ' ')} "
        f"({visit.net} net) leaves {customer}'s history and figures; the audit log keeps it.",
        button="Delete visit",
        back=reverse(
            "history:visit-edit", kwargs={"customer_id": customer.pk, "visit_id": visit.pk}
        ),
    )
