"""Recording visits and appointments. A completed visit counts as a visit and as spend
(amount less discount); every write refreshes the customer's figures in its transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.customers.models import CustomerSource
from regulars.history import clean
from regulars.history.common import (
    check_location,
    lock_customers,
    refresh,
    reread,
    staff_member,
)
from regulars.history.customer_ref import event_customer
from regulars.history.figures import org_today
from regulars.history.models import Service, Visit, VisitStatus
from regulars.history.selectors import visit_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization

FIELDS = ("starts_at", "location_id", "staff_id", "amount", "discount", "status", "note")


def _services(value: Any) -> list[Service]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > 50:
        raise DomainError.for_field("service_ids", "Send a list of at most 50 service ids.")
    wanted: list[int] = []
    for item in value:
        if isinstance(item, bool) or not str(item).isdigit():
            raise DomainError.for_field("service_ids", "Choose services by their ids.")
        wanted.append(int(item))
    found = {s.pk: s for s in Service.objects.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise DomainError.for_field("service_ids", f"No service has the id {missing[0]}.")
    return [found[pk] for pk in dict.fromkeys(wanted)]


def _clean(org: Organization, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "starts_at" in data or not partial:
        starts = clean.moment(org, data.get("starts_at"), "starts_at")
        cleaned["starts_at"] = starts
        cleaned["local_day"] = clean.local_day(org, starts)
    if "location_id" in data:
        cleaned["location"] = clean.location(org, data["location_id"])
    if "staff_id" in data:
        user = staff_member(org, data["staff_id"])
        cleaned["staff"] = user
        cleaned["staff_label"] = (user.email if user else "")[:254]
    if "amount" in data or not partial:
        cleaned["amount"] = clean.money(data.get("amount"), "amount", required=False)
    if "discount" in data:
        cleaned["discount"] = clean.money(data["discount"], "discount", required=False)
    if "status" in data or not partial:
        # Without a status, a visit on a later day is a booking, one today or before happened.
        later = "local_day" in cleaned and cleaned["local_day"] > org_today(org)
        default = VisitStatus.BOOKED if later else VisitStatus.COMPLETED
        cleaned["status"] = clean.choice(
            data.get("status") or default, "status", list(VisitStatus.values)
        )
    if "note" in data:
        cleaned["note"] = clean.note(data["note"])
    return cleaned


def _check(org: Organization, visit: Visit) -> None:
    if visit.discount > visit.amount:
        raise DomainError.for_field("discount", "The discount is more than the amount.")
    if visit.status == VisitStatus.COMPLETED and visit.local_day > org_today(org):
        raise DomainError.for_field(
            "status", "A visit on a later day cannot be completed yet: record it as booked."
        )


def _audited(visit: Visit, services: list[Service]) -> dict[str, Any]:
    return {
        "starts_at": visit.starts_at,
        "status": visit.status,
        "amount": visit.amount,
        "discount": visit.discount,
        "services": [s.name for s in services],
    }


@transaction.atomic
def visit_record(
    *,
    org: Organization,
    actor: Actor,
    data: dict[str, Any],
    source: str = CustomerSource.APPOINTMENT,
) -> tuple[Visit, bool]:
    """A visit for `data["customer_id"]` or the customer that `data["customer"]`'s keys find
    (created from the event if nobody has them). Returns the visit and whether the customer
    was created."""
    actor.require(Cap.HISTORY_EDIT)
    cleaned = _clean(org, data, partial=False)
    check_location(actor, cleaned)
    services = _services(data.get("service_ids"))
    customer, created = event_customer(
        org=org,
        actor=actor,
        customer_id=data.get("customer_id"),
        ref=data.get("customer"),
        source=data.get("source") or source,
    )
    lock_customers([customer.pk])
    visit = Visit(organization=org, customer=customer, **cleaned)
    _check(org, visit)
    visit.save()
    if services:
        visit.services.set(services)
    audit_record(
        org=org,
        actor=actor,
        action="history.visit.recorded",
        target=visit,
        changes={**_audited(visit, services), "customer_created": created},
        customer_id=customer.pk,
    )
    refresh(org, [customer.pk])
    return visit, created


@transaction.atomic
def visit_update(*, org: Organization, actor: Actor, visit_id: int, data: dict[str, Any]) -> Visit:
    """Changes the fields present in `data` (and `service_ids` when sent)."""
    visit = visit_get_for_actor(org=org, actor=actor, visit_id=visit_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([visit.customer_id])
    reread(visit)  # what the writer before us committed (the lock orders us)
    cleaned = _clean(org, data, partial=True)
    check_location(actor, cleaned, visit.location_id)
    changes: dict[str, Any] = {}
    for name, value in cleaned.items():
        old = getattr(visit, name)
        if old != value:
            if name != "local_day":
                changes[name] = (
                    str(old) if name in ("location", "staff") else old,
                    str(value) if name in ("location", "staff") else value,
                )
            setattr(visit, name, value)
    _check(org, visit)
    if "service_ids" in data:
        services = _services(data["service_ids"])
        before = sorted(s.name for s in visit.services.all())
        after = sorted(s.name for s in services)
        if before != after:
            visit.services.set(services)
            changes["services"] = (before, after)
    if changes:
        visit.save()
        audit_record(
            org=org,
            actor=actor,
            action="history.visit.edited",
            target=visit,
            changes=changes,
            customer_id=visit.customer_id,
        )
        refresh(org, [visit.customer_id])
    return visit


@transaction.atomic
def visit_delete(*, org: Organization, actor: Actor, visit_id: int) -> None:
    visit = visit_get_for_actor(org=org, actor=actor, visit_id=visit_id)
    actor.require(Cap.HISTORY_EDIT)
    lock_customers([visit.customer_id])
    audit_record(
        org=org,
        actor=actor,
        action="history.visit.deleted",
        target=visit,
        changes=_audited(visit, list(visit.services.all())),
        customer_id=visit.customer_id,
    )
    customer_id = visit.customer_id
    visit.services.clear()
    visit.delete()
    refresh(org, [customer_id])
