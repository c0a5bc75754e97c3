"""Settings pages for staff, invitations and API keys (owners)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regulars.accounts import invitations, selectors, services
from regulars.accounts.forms import ApiKeyForm, InvitationForm, StaffForm
from regulars.accounts.models import Invitation
from regulars.core.errors import DomainError
from regulars.core.paging import paginate
from regulars.tenancy import selectors as tenancy_selectors
from regulars.tenancy import services as tenancy_services
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of, staff_required


@staff_required()
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(request, tenancy_selectors.staff_list(org=actor.org, actor=actor))
    pending = (
        selectors.invitations_pending(org=actor.org, actor=actor)
        if actor.can(Cap.STAFF_MANAGE)
        else []
    )
    return render(request, "accounts/staff_list.html", {"page": page, "invitations": pending})


@staff_required()
def staff_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = actor_of(request)
    membership = tenancy_selectors.staff_get_for_actor(
        org=actor.org, actor=actor, membership_id=membership_id
    )
    actor.require(Cap.STAFF_MANAGE)
    locations = tenancy_selectors.location_list(org=actor.org, actor=actor)
    initial = {
        "role": membership.role,
        "all_locations": membership.all_locations,
        "locations": [loc.pk for loc in membership.locations.all()],
        "is_active": membership.is_active,
    }
    form = StaffForm(request.POST or None, initial=initial, locations=locations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenancy_services.staff_update(
                org=actor.org,
                actor=actor,
                membership_id=membership_id,
                role=data["role"],
                all_locations=data["all_locations"],
                location_ids=data["locations"],
                is_active=data["is_active"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{membership.user.display_name} saved.")
            return redirect("staff:list")
    return render(request, "accounts/staff_form.html", {"form": form, "membership": membership})


@staff_required(Cap.STAFF_MANAGE)
def invitation_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    locations = tenancy_selectors.location_list(org=actor.org, actor=actor)
    form = InvitationForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invitation_create(
                org=actor.org,
                actor=actor,
                email=data["email"],
                role=data["role"],
                all_locations=data["all_locations"],
                location_ids=data["locations"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("staff:list")
    return render(request, "accounts/invitation_form.html", {"form": form})


def _invitation_action(
    request: HttpRequest,
    invitation_id: int,
    action: Callable[..., Invitation],
    done: str,
) -> HttpResponse:
    """Revoke or resend: a closed invitation is a message on the staff page, not an error page."""
    actor = actor_of(request)
    try:
        invitation = action(org=actor.org, actor=actor, invitation_id=invitation_id)
    except DomainError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect("staff:list")


@require_POST
@staff_required()
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_action(
        request, invitation_id, invitations.invitation_revoke, "Invitation for {email} revoked."
    )


@require_POST
@staff_required()
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_action(
        request,
        invitation_id,
        invitations.invitation_resend,
        "A new link is on its way to {email}.",
    )


@staff_required(Cap.API_KEYS_MANAGE)
def api_key_list(request: HttpRequest) -> HttpResponse:
    """Creating a key renders the list with the key shown this once; it is never stored."""
    actor = actor_of(request)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _api_key, new_key = services.api_key_create(
                org=actor.org,
                actor=actor,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            form = ApiKeyForm()
    page = paginate(request, selectors.api_key_list(org=actor.org, actor=actor))
    return render(
        request, "accounts/api_keys.html", {"form": form, "page": page, "new_key": new_key}
    )


@require_POST
@staff_required()
def api_key_revoke(request: HttpRequest, api_key_id: int) -> HttpResponse:
    actor = actor_of(request)
    api_key = services.api_key_revoke(org=actor.org, actor=actor, api_key_id=api_key_id)
    messages.success(request, f"Key {api_key.name} revoked; calls with it now fail.")
    return redirect("staff:api-keys")
