"""What every history write shares: the lock on the customers it touches and the refresh
of their figures, both inside the writer's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model

from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Customer
from regulars.history.clean import MONEY_MAX
from regulars.history.figures import figures_refresh
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization, StaffMembership

if TYPE_CHECKING:
    from regulars.accounts.models import User


def lock_customers(customer_ids: Iterable[int]) -> None:
    """Serialises writers of the same customers: a row lock on PostgreSQL (in id order, so
    two writers never deadlock); SQLite's IMMEDIATE transaction already holds the write
    lock. Read-committed then lets the figures see the other writer's committed rows."""
    ids = sorted(set(customer_ids))
    list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def reread(row: Model) -> None:
    """The row as committed now (after `lock_customers`); gone meanwhile is a 404."""
    try:
        row.refresh_from_db()
    except ObjectDoesNotExist:
        raise NotFound() from None


def refresh(org: Organization, customer_ids: Iterable[int]) -> None:
    """Recomputes the customers' figures. A sum past what the figure columns hold (12
    digits) refuses the write that caused it, naming `amount`, rather than failing inside the
    database (the caller's transaction rolls back)."""
    figures_refresh(org=org, customer_ids=customer_ids, limit=MONEY_MAX)


def check_location(actor: Actor, cleaned: dict[str, Any], current_id: int | None = None) -> None:
    """A member limited to some locations records history only at those (or keeps the one a
    row already has); another location answers as a missing one does (no oracle)."""
    location = cleaned.get("location")
    if location is None or actor.location_ids is None:
        return
    if location.pk not in actor.location_ids and location.pk != current_id:
        raise DomainError.for_field("location_id", "No location of this organization has this id.")


def staff_member(org: Organization, value: Any, name: str = "staff_id") -> User | None:
    """An active staff member of the organization, by user id."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError.for_field(name, "Choose a staff member by their id.")
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise DomainError.for_field(name, "Choose a staff member by their id.") from None
    membership = (
        StaffMembership.objects.filter(user_id=pk, is_active=True).select_related("user").first()
    )
    if membership is None:
        raise DomainError.for_field(
            name, "No active staff member of this organization has this id."
        )
    return membership.user
