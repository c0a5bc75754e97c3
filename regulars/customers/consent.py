"""Consent per channel: the one writer of a customer's consent columns and its event log.

Every change (a form, an import, the API, an unsubscribe link, an SMS STOP, the portal)
goes through `consent_set`, so the log explains every value the columns have held.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import transaction

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Customer,
)
from regulars.customers.selectors import customer_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization

DETAIL_MAX = ConsentEvent._meta.get_field("detail").max_length or 200


def state_field(channel: str) -> str:
    return f"{channel}_consent"


def blocked_field(channel: str) -> str:
    return f"{channel}_blocked"


def _valid_ip(ip: str | None) -> str | None:
    """The client's address if it is one; anything else (empty, a forged header) is dropped."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def _check(*, channel: str, state: str | None, source: str, detail: str) -> None:
    if channel not in ConsentChannel.values:
        raise DomainError.for_field("channel", "Choose email or SMS.")
    if state is not None and state not in ConsentState.values:
        raise DomainError.for_field("state", "Choose unknown, opted in or opted out.")
    if source not in ConsentSource.values:
        raise DomainError.for_field("source", "Unknown consent source.")
    if len(detail) > DETAIL_MAX:
        raise DomainError.for_field("detail", f"At most {DETAIL_MAX} characters.")
    if "\x00" in detail:
        raise DomainError.for_field("detail", "Must not contain NUL characters.")


@transaction.atomic
def consent_set(
    *,
    org: Organization,
    actor: Actor,
    customer_id: int,
    channel: str,
    state: str | None,
    source: str,
    detail: str = "",
    ip: str | None = None,
    blocked: bool | None = None,
) -> Customer:
    """Sets a channel's consent state (and, if given, its block flag).

    `state=None` or `blocked=None` leaves that value as it is. A call that changes nothing
    writes nothing: no event, no audit entry.
    """
    found = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    detail = (detail or "").strip()
    _check(channel=channel, state=state, source=source, detail=detail)
    # Re-read under a row lock (PostgreSQL) so concurrent changes are logged in order.
    customer = Customer.objects.select_for_update().get(pk=found.pk)
    s_field, b_field = state_field(channel), blocked_field(channel)
    changes: dict[str, tuple[Any, Any]] = {}
    if state is not None and getattr(customer, s_field) != state:
        changes[s_field] = (getattr(customer, s_field), state)
    if blocked is not None and getattr(customer, b_field) != blocked:
        changes[b_field] = (getattr(customer, b_field), blocked)
    if not changes:
        return customer
    for name, (_old, new) in changes.items():
        setattr(customer, name, new)
    customer.save(update_fields=[*changes, "updated_at"])
    ConsentEvent.objects.create(
        organization=org,
        customer=customer,
        channel=channel,
        state=getattr(customer, s_field),
        blocked=getattr(customer, b_field),
        source=source,
        detail=detail,
        actor_user=actor.user,
        actor_label=actor.label[:254],
        ip=_valid_ip(ip),
    )
    audit_record(
        org=org,
        actor=actor,
        action="customers.consent.changed",
        target=customer,
        changes={**changes, "source": source, "detail": detail},
    )
    return customer


def consent_block(
    *,
    org: Organization,
    actor: Actor,
    customer_id: int,
    channel: str,
    blocked: bool,
    source: str,
    detail: str = "",
    ip: str | None = None,
) -> Customer:
    """Blocks (or unblocks) every message on a channel, whatever the consent state."""
    return consent_set(
        org=org,
        actor=actor,
        customer_id=customer_id,
        channel=channel,
        state=None,
        source=source,
        detail=detail,
        ip=ip,
        blocked=blocked,
    )
