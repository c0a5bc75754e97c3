"""Writes on customers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from regulars.audit.services import audit_record, diff
from regulars.core.errors import DomainError
from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.models import Customer
from regulars.customers.normalize import email_key
from regulars.customers.selectors import customer_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Location, Organization
from regulars.tenancy.scope import assert_in_scope

FIELDS = ("first_name", "last_name", "email")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: str(data.get(k) or "").strip() for k in FIELDS if k in data}
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError as exc:
            raise DomainError.for_field("email", "Enter a valid email address.") from exc
        cleaned["email"] = cleaned["email"].lower()
    return cleaned


def _require_name(customer: Customer) -> None:
    if not (customer.first_name or customer.last_name):
        raise DomainError.for_field("last_name", "A first or last name is required.")


def default_locations(actor: Actor) -> tuple[bool, list[Location]]:
    """A location-limited member's new customers belong to that member's locations."""
    if actor.location_ids is None:
        return True, []
    return False, list(Location.objects.filter(id__in=actor.location_ids))


@transaction.atomic
def customer_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Customer:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_EDIT)
    customer = Customer(organization=org, **_clean(data))
    _require_name(customer)
    customer.all_locations, locations = default_locations(actor)
    customer.account_number = account_numbers_allocate(org=org)[0]
    customer.email_key = email_key(customer.email)
    customer.save()
    if locations:
        customer.locations.set(locations)
    audit_record(
        org=org,
        actor=actor,
        action="customers.customer.created",
        target=customer,
        changes={k: getattr(customer, k) for k in FIELDS},
    )
    return customer


@transaction.atomic
def customer_update(
    *, org: Organization, actor: Actor, customer_id: int, data: dict[str, Any]
) -> Customer:
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    cleaned = _clean(data)
    changes = diff(customer, cleaned)
    for name, value in cleaned.items():
        setattr(customer, name, value)
    _require_name(customer)
    if changes:
        customer.save(update_fields=[*changes, "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action="customers.customer.updated",
            target=customer,
            changes=changes,
        )
    return customer


@transaction.atomic
def customer_delete(*, org: Organization, actor: Actor, customer_id: int) -> None:
    """A soft delete: the row and its history stay for reports and the audit trail."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_DELETE)
    customer.deleted_at = timezone.now()
    customer.save(update_fields=["deleted_at", "updated_at"])
    audit_record(org=org, actor=actor, action="customers.customer.deleted", target=customer)
