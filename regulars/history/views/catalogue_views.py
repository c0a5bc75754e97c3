"""The services catalogue under /settings/services/: list, add, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from regulars.core.errors import DomainError
from regulars.history import catalogue, selectors
from regulars.history.forms import ServiceForm
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of, staff_required


@staff_required(Cap.SERVICES_MANAGE)
def service_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rows = selectors.service_list(org=actor.org, actor=actor).order_by("-active", "name", "id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "history/service_list.html", {"page": page})


@staff_required(Cap.SERVICES_MANAGE)
def service_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = catalogue.service_create(
                org=actor.org, actor=actor, data=form.data_for_service()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Service {service.name} added.")
            return redirect("services:list")
    return render(request, "history/service_form.html", {"form": form, "service": None})


@staff_required(Cap.SERVICES_MANAGE)
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    actor = actor_of(request)
    service = selectors.service_get_for_actor(org=actor.org, actor=actor, service_id=service_id)
    initial = {
        "name": service.name,
        "duration_minutes": service.duration_minutes or "",
        "price": service.price if service.price is not None else "",
        "active": service.active,
    }
    form = ServiceForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.service_update(
                org=actor.org, actor=actor, service_id=service.pk, data=form.data_for_service()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Service saved.")
            return redirect("services:list")
    return render(request, "history/service_form.html", {"form": form, "service": service})


@staff_required(Cap.SERVICES_MANAGE)
def service_delete(request: HttpRequest, service_id: int) -> HttpResponse:
    actor = actor_of(request)
    service = selectors.service_get_for_actor(org=actor.org, actor=actor, service_id=service_id)
    if request.method == "POST":
        deleted = catalogue.service_delete(org=actor.org, actor=actor, service_id=service.pk)
        if deleted:
            messages.success(request, f"Service {service.name} deleted.")
        else:
            messages.success(
                request,
                f"{service.name} is named by past visits or orders, so it is kept for them "
                "and no longer offered.",
            )
        return redirect("services:list")
    context = {"service": service}
    return render(request, "history/service_delete.html", context)
