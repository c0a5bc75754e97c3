"""Settings → Custom fields (under /settings/custom-fields/): owners define the fields."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError
from regulars.core.paging import paginate
from regulars.customers import custom_field_selectors as selectors
from regulars.customers import custom_fields
from regulars.customers.custom_field_forms import CustomFieldForm, custom_field_initial
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of, staff_required


@staff_required(Cap.SETTINGS_MANAGE)
def custom_field_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(request, selectors.custom_field_list(org=actor.org, actor=actor))
    return render(request, "customers/custom_field_list.html", {"page": page})


@staff_required(Cap.SETTINGS_MANAGE)
def custom_field_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = custom_fields.custom_field_create(
                org=actor.org, actor=actor, data=form.service_data()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Custom field {field.label} added.")
            return redirect("custom_fields:list")
    return render(request, "customers/custom_field_form.html", {"form": form, "field": None})


@staff_required()
def custom_field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    actor = actor_of(request)
    field = selectors.custom_field_get_for_actor(org=actor.org, actor=actor, field_id=field_id)
    actor.require(Cap.SETTINGS_MANAGE)
    form = CustomFieldForm(request.POST or None, initial=custom_field_initial(field), field=field)
    if request.method == "POST" and form.is_valid():
        try:
            custom_fields.custom_field_update(
                org=actor.org, actor=actor, field_id=field.pk, data=form.service_data()
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Custom field saved.")
            return redirect("custom_fields:list")
    return render(request, "customers/custom_field_form.html", {"form": form, "field": field})


@require_POST
@staff_required()
def custom_field_delete(request: HttpRequest, field_id: int) -> HttpResponse:
    actor = actor_of(request)
    custom_fields.custom_field_delete(org=actor.org, actor=actor, field_id=field_id)
    messages.success(request, "Custom field deleted, with every customer's value of it.")
    return redirect("custom_fields:list")
