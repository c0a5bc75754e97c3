"""Reads of organizations, locations and staff."""

from __future__ import annotations

from django.db.models import QuerySet

from regulars.core.errors import NotFound
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Location, Organization, StaffMembership
from regulars.tenancy.rows import rows_for_ids
from regulars.tenancy.scope import assert_in_scope


def memberships_for_user(*, user_id: int) -> QuerySet[StaffMembership]:
    """All active organizations of one login, across tenants (for the switcher and login)."""
    return (
        StaffMembership.unscoped.select_related("organization", "user")
        .filter(user_id=user_id, is_active=True)
        .order_by("organization__name")
    )


def membership_for_user(*, user_id: int, org_id: int | None) -> StaffMembership | None:
    """The membership of the organization the session names; with none named, the first.

    A named organization the login no longer belongs to gives None: the caller decides,
    rather than the request moving to another organization unnoticed.
    """
    memberships = memberships_for_user(user_id=user_id)
    if org_id is not None:
        return memberships.filter(organization_id=org_id).first()
    return memberships.first()


def organizations_exist() -> bool:
    return Organization.objects.exists()


def location_list(*, org: Organization, actor: Actor) -> QuerySet[Location]:
    assert_in_scope(org)
    locations = Location.objects.order_by("name")
    if actor.location_ids is not None:
        locations = locations.filter(id__in=actor.location_ids)
    return locations


def location_get_for_actor(*, org: Organization, actor: Actor, location_id: int) -> Location:
    location = location_list(org=org, actor=actor).filter(pk=location_id).first()
    if location is None:
        raise NotFound()
    return location


def staff_list(*, org: Organization, actor: Actor) -> QuerySet[StaffMembership]:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    return (
        StaffMembership.objects.select_related("user")
        .prefetch_related("locations")
        .order_by("-is_active", "user__name", "user__email")
    )


def staff_get_for_actor(*, org: Organization, actor: Actor, membership_id: int) -> StaffMembership:
    membership = staff_list(org=org, actor=actor).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound()
    return membership


def locations_for_ids(location_ids: list[int]) -> list[Location]:
    """The organization's locations with these ids; an unknown id is the caller's error."""
    return rows_for_ids(Location, location_ids, field="locations", noun="locations")
