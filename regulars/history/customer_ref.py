"""Which customer a history event belongs to: by id, or by the keys a till or booking
system knows (email, phone, card number, external id), found with the customers'
matching; a customer nobody has yet is created from the event."""

from __future__ import annotations

from typing import Any

from regulars.core.errors import Conflict, DomainError
from regulars.customers.matching import Outcome, customer_find_visible
from regulars.customers.models import Customer, CustomerSource
from regulars.customers.selectors import customer_get_for_actor
from regulars.customers.services import customer_create
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization

KEY_FIELDS = ("email", "phone", "loyalty_card", "external_id", "account_number")
NEW_FIELDS = ("first_name", "last_name", "company")
SOURCES = (
    CustomerSource.APPOINTMENT,
    CustomerSource.ONLINE,
    CustomerSource.POS,
    CustomerSource.API,
)


class AmbiguousCustomer(Conflict):
    def __init__(self, candidates: list[Customer]) -> None:
        ids = [c.pk for c in candidates]
        names = ", ".join(f"#{c.pk} {c}" for c in candidates[:5])
        super().__init__(
            detail=f"The keys match more than one customer ({names}); name the customer by id.",
            code="ambiguous_customer",
            extra={"candidates": ids},
        )


def event_customer(
    *,
    org: Organization,
    actor: Actor,
    customer_id: int | None,
    ref: dict[str, Any] | None,
    source: str = CustomerSource.API,
) -> tuple[Customer, bool]:
    """The event's customer and whether it was created now.

    Raises:
        DomainError: neither an id nor a key was given, or a key is malformed (400).
        AmbiguousCustomer: the keys point to several customers (409 naming them).
    """
    if customer_id is not None:
        try:
            return customer_get_for_actor(org=org, actor=actor, customer_id=customer_id), False
        except DomainError as exc:
            if exc.status == 404:
                raise DomainError.for_field("customer_id", "No customer has this id.") from None
            raise
    ref = ref or {}
    keys = {k: str(ref[k]).strip() for k in KEY_FIELDS if ref.get(k) not in (None, "")}
    if not keys:
        raise DomainError.for_field(
            "customer",
            "Name the customer: customer_id, or customer with an email, phone, loyalty_card, "
            "external_id or account_number.",
        )
    match = customer_find_visible(org=org, actor=actor, keys=keys)
    if match.outcome == Outcome.ONE and match.customer is not None:
        return match.customer, False
    if match.outcome in (Outcome.AMBIGUOUS, Outcome.CONFLICT):
        raise AmbiguousCustomer(match.candidates)
    if "account_number" in keys and len(keys) == 1:
        raise DomainError.for_field(
            "customer.account_number", "No customer has this account number."
        )
    if source not in SOURCES:
        raise DomainError.for_field("source", f"Choose one of: {', '.join(SOURCES)}.")
    data: dict[str, Any] = {k: ref[k] for k in NEW_FIELDS if ref.get(k)}
    data.update({k: keys[k] for k in ("email", "loyalty_card", "external_id") if k in keys})
    if "phone" in keys:
        data["phone_mobile"] = keys["phone"]
    try:
        created = customer_create(org=org, actor=actor, data=data, source=source)
    except DomainError as exc:
        # The record's own rules name its fields; on an event they sit under `customer`.
        for error in exc.errors:
            error.field = f"customer.{'phone' if error.field == 'phone_mobile' else error.field}"
        raise
    return created, True
