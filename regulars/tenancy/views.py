"""Settings pages: the organization, switching between organizations, and locations."""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError
from regulars.core.paging import paginate
from regulars.tenancy import selectors, services
from regulars.tenancy.access import Cap
from regulars.tenancy.forms import LocationForm, OrganizationForm
from regulars.tenancy.http import actor_of, staff_required
from regulars.tenancy.middleware import SESSION_ORG_KEY


@staff_required(Cap.SETTINGS_MANAGE)
def organization_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    # A copy: a bound ModelForm writes into its instance, and this one is the request's org.
    form = OrganizationForm(request.POST or None, instance=copy(actor.org))
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(org=actor.org, actor=actor, data=form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("tenancy:organization")
    return render(request, "tenancy/organization.html", {"form": form})


@require_POST
@staff_required()
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Switches only to an organization the login belongs to; anything else is a 404."""
    raw = request.POST.get("organization", "")
    org_id = int(raw) if raw.isdigit() and len(raw) < 19 else 0  # beyond a bigint: no such id
    membership = (
        selectors.memberships_for_user(user_id=request.user.pk or 0)
        .filter(organization_id=org_id)
        .first()
    )
    if membership is None:
        return render(request, "errors/404.html", status=404)
    request.session[SESSION_ORG_KEY] = membership.organization_id
    messages.info(request, f"Now working in {membership.organization.name}.")
    return redirect("home")


@staff_required()
def location_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(request, selectors.location_list(org=actor.org, actor=actor))
    return render(request, "tenancy/location_list.html", {"page": page})


@staff_required(Cap.LOCATIONS_MANAGE)
def location_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.location_create(org=actor.org, actor=actor, data=form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Location added.")
            return redirect("tenancy:locations")
    return render(request, "tenancy/location_form.html", {"form": form, "location": None})


@staff_required()
def location_edit(request: HttpRequest, location_id: int) -> HttpResponse:
    actor = actor_of(request)
    location = selectors.location_get_for_actor(org=actor.org, actor=actor, location_id=location_id)
    actor.require(Cap.LOCATIONS_MANAGE)
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        try:
            services.location_update(
                org=actor.org, actor=actor, location_id=location_id, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Location saved.")
            return redirect("tenancy:locations")
    return render(request, "tenancy/location_form.html", {"form": form, "location": location})


@require_POST
@staff_required()
def location_delete(request: HttpRequest, location_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        services.location_delete(org=actor.org, actor=actor, location_id=location_id)
    except DomainError as exc:
        if exc.status != 409:
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Location deleted.")
    return redirect("tenancy:locations")
