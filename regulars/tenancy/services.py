"""Writes on organizations, locations and staff memberships.

Every write audits (audit.services is the one upward import the layering allows, because
every write in every app records who did it).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from regulars.audit.services import audit_record, diff
from regulars.core.errors import Conflict, DomainError
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.rows import require_free_name, save_named, validate_fields
from regulars.tenancy.scope import assert_in_scope, tenant_scope
from regulars.tenancy.selectors import (
    location_get_for_actor,
    locations_for_ids,
    staff_get_for_actor,
)

ORG_FIELDS = (
    "name",
    "time_zone",
    "country",
    "currency",
    "sender_name",
    "reply_to",
    "account_prefix",
    "require_gender_dob",
    "export_link_hours",
)
LOCATION_FIELDS = ("name", "address_line1", "address_line2", "city", "postal_code", "time_zone")


def _stripped(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields only, text trimmed: '   ' is an empty name, not a name."""
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in fields}


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(
    *, name: str, owner: Any, channel: str, slug: str | None = None, **fields: Any
) -> Organization:
    """A new business with its first owner; the one write that has no organization yet."""
    org = Organization(name=name.strip(), slug=slug or unique_slug(name), **fields)
    validate_fields(org)
    if Organization.objects.filter(slug=org.slug).exists():
        raise DomainError.for_field("slug", f"The slug {org.slug!r} is taken.")
    org.country = org.country.upper()
    org.currency = org.currency.upper()
    org.save()
    with tenant_scope(org):
        membership = StaffMembership.objects.create(organization=org, user=owner, role=Role.OWNER)
        actor = Actor(org=org, role=Role.OWNER, channel=channel, user=owner, membership=membership)
        audit_record(
            org=org,
            actor=actor,
            action="tenancy.organization.created",
            target=org,
            changes={"name": org.name, "slug": org.slug},
        )
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Organization:
    assert_in_scope(org)
    actor.require(Cap.SETTINGS_MANAGE)
    # Compare with the stored row, not the caller's instance (a bound form may have
    # changed that one already), so the audit sees every change.
    org = Organization.objects.get(pk=org.pk)
    data = _stripped(data, ORG_FIELDS)
    for key in ("country", "currency", "account_prefix"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].upper()
    changes = diff(org, data)
    for name, value in data.items():
        setattr(org, name, value)
    validate_fields(org, exclude=["slug"])
    if changes:
        org.save(update_fields=list(changes))
        audit_record(
            org=org, actor=actor, action="tenancy.organization.updated", target=org, changes=changes
        )
    return org


@transaction.atomic
def location_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Location:
    assert_in_scope(org)
    actor.require(Cap.LOCATIONS_MANAGE)
    location = Location(organization=org, **_stripped(data, LOCATION_FIELDS))
    validate_fields(location, exclude=["organization"])
    require_free_name(Location, location.name, noun="location")
    save_named(location, noun="location")
    audit_record(
        org=org,
        actor=actor,
        action="tenancy.location.created",
        target=location,
        changes={k: getattr(location, k) for k in LOCATION_FIELDS},
    )
    return location


@transaction.atomic
def location_update(
    *, org: Organization, actor: Actor, location_id: int, data: dict[str, Any]
) -> Location:
    location = location_get_for_actor(org=org, actor=actor, location_id=location_id)
    actor.require(Cap.LOCATIONS_MANAGE)
    data = _stripped(data, LOCATION_FIELDS)
    changes = diff(location, data)
    for name, value in data.items():
        setattr(location, name, value)
    validate_fields(location, exclude=["organization"])
    if "name" in changes:
        require_free_name(Location, location.name, noun="location", exclude_id=location.pk)
    if changes:
        save_named(location, noun="location", update_fields=list(changes))
        audit_record(
            org=org,
            actor=actor,
            action="tenancy.location.updated",
            target=location,
            changes=changes,
        )
    return location


@transaction.atomic
def location_delete(*, org: Organization, actor: Actor, location_id: int) -> None:
    location = location_get_for_actor(org=org, actor=actor, location_id=location_id)
    actor.require(Cap.LOCATIONS_MANAGE)
    audit_record(
        org=org,
        actor=actor,
        action="tenancy.location.deleted",
        target=location,
        changes={"name": location.name},
    )
    try:
        with transaction.atomic():
            location.delete()
    except ProtectedError:
        raise Conflict(
            detail=f"{location.name} has visits, orders or invoices recorded at it, which keep "
            'their location: it cannot be deleted. Rename it (e.g. "closed") instead.',
            code="location_in_use",
        ) from None


def _owners_left(*, excluding: int) -> bool:
    """Locks the owners' rows (PostgreSQL; SQLite's IMMEDIATE transaction already serialises),
    so two owners demoting each other at once cannot both succeed."""
    owners = StaffMembership.objects.select_for_update().filter(
        role=Role.OWNER, is_active=True, all_locations=True
    )
    return any(m.pk != excluding for m in owners)


@transaction.atomic
def staff_update(
    *,
    org: Organization,
    actor: Actor,
    membership_id: int,
    role: str | None = None,
    all_locations: bool | None = None,
    location_ids: list[int] | None = None,
    is_active: bool | None = None,
) -> StaffMembership:
    """Change a member's role, locations or activity; an organization keeps one owner."""
    membership = staff_get_for_actor(org=org, actor=actor, membership_id=membership_id)
    actor.require(Cap.STAFF_MANAGE)
    changes: dict[str, Any] = {}
    if role is not None and role != membership.role:
        if role not in Role.values:
            raise DomainError.for_field("role", f"Unknown role {role!r}.")
        if membership.role == Role.OWNER and not _owners_left(excluding=membership.pk):
            raise DomainError.for_field("role", "The organization must keep at least one owner.")
        changes["role"] = (membership.role, role)
        membership.role = role
    if is_active is not None and is_active != membership.is_active:
        if (
            not is_active
            and membership.role == Role.OWNER
            and not _owners_left(excluding=membership.pk)
        ):
            raise DomainError.for_field("is_active", "The last owner cannot be deactivated.")
        changes["is_active"] = (membership.is_active, is_active)
        membership.is_active = is_active
    if all_locations is not None and all_locations != membership.all_locations:
        changes["all_locations"] = (membership.all_locations, all_locations)
        membership.all_locations = all_locations
    old_ids = sorted(loc.pk for loc in membership.locations.all())
    new_ids = sorted(set(location_ids)) if location_ids is not None else old_ids
    if membership.role == Role.OWNER and not membership.all_locations:
        # Owner rights (staff, settings, keys) cover every location; a limited owner would
        # lock the organization out of them.
        raise DomainError.for_field("all_locations", "Owners work across all locations.")
    placing = "all_locations" in changes or location_ids is not None
    if placing and membership.is_active and not membership.all_locations and not new_ids:
        raise DomainError.for_field("locations", "Choose at least one location, or all locations.")
    if changes or new_ids != old_ids:
        membership.save(update_fields=[*changes, "updated_at"])
    if new_ids != old_ids:
        membership.locations.set(locations_for_ids(new_ids))
        changes["locations"] = (old_ids, new_ids)
    if changes:
        audit_record(
            org=org, actor=actor, action="tenancy.staff.updated", target=membership, changes=changes
        )
    return membership


@transaction.atomic
def membership_add(
    *,
    org: Organization,
    actor: Actor,
    user: Any,
    role: str,
    all_locations: bool,
    location_ids: list[int],
) -> StaffMembership:
    """Used by invitation acceptance: joins, or re-activates a deactivated membership."""
    assert_in_scope(org)
    locations = locations_for_ids(location_ids)
    membership = StaffMembership.objects.filter(user=user).first()
    if membership is not None and membership.is_active:
        raise DomainError(detail=f"{user.email} is already a member.", code="already_member")
    if membership is None:
        membership = StaffMembership.objects.create(
            organization=org, user=user, role=role, all_locations=all_locations
        )
    else:
        membership.role, membership.all_locations, membership.is_active = role, all_locations, True
        membership.save(update_fields=["role", "all_locations", "is_active", "updated_at"])
    membership.locations.set(locations)
    audit_record(
        org=org,
        actor=actor,
        action="tenancy.staff.joined",
        target=membership,
        changes={"role": role, "email": user.email},
    )
    return membership
