"""The services catalogue: what the business sells by the visit (name, duration, price).

Managed with `services.manage`. A service that visits or order lines name is not deleted
but no longer offered (its history keeps its name)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.history import clean
from regulars.history.models import OrderLine, Service, Visit
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


def service_get_for_actor(*, org: Organization, actor: Actor, service_id: int) -> Service:
    from regulars.history.selectors import service_get_for_actor as get

    return get(org=org, actor=actor, service_id=service_id)


def _clean(org: Organization, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean.text(data.get("name"), "name", limit=100, required=True)
    if "duration_minutes" in data:
        value = data["duration_minutes"]
        if value in (None, ""):
            cleaned["duration_minutes"] = None
        else:
            try:
                minutes = int(value)
            except (TypeError, ValueError):
                raise DomainError.for_field("duration_minutes", "Enter whole minutes.") from None
            if isinstance(value, bool) or not 1 <= minutes <= 24 * 60:
                raise DomainError.for_field("duration_minutes", "Enter 1 to 1,440 minutes.")
            cleaned["duration_minutes"] = minutes
    if "price" in data:
        cleaned["price"] = (
            None if data["price"] in (None, "") else clean.money(data["price"], "price")
        )
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise DomainError.for_field("active", "Must be true or false.")
        cleaned["active"] = data["active"]
    return cleaned


def _name_taken(name: str, exclude: int | None) -> bool:
    same = Service.objects.filter(name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.exists()


def _save(service: Service) -> None:
    if _name_taken(service.name, service.pk):
        raise DomainError.for_field("name", "Another service has this name.")
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise DomainError.for_field("name", "Another service has this name.") from None


@transaction.atomic
def service_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Service:
    assert_in_scope(org)
    actor.require(Cap.SERVICES_MANAGE)
    service = Service(organization=org, **_clean(org, data, partial=False))
    _save(service)
    audit_record(
        org=org,
        actor=actor,
        action="history.service.created",
        target=service,
        changes={"name": service.name, "price": service.price},
    )
    return service


@transaction.atomic
def service_update(
    *, org: Organization, actor: Actor, service_id: int, data: dict[str, Any]
) -> Service:
    service = service_get_for_actor(org=org, actor=actor, service_id=service_id)
    actor.require(Cap.SERVICES_MANAGE)
    cleaned = _clean(org, data, partial=True)
    changes = {k: (getattr(service, k), v) for k, v in cleaned.items() if getattr(service, k) != v}
    if changes:
        for name, (_old, new) in changes.items():
            setattr(service, name, new)
        _save(service)
        audit_record(
            org=org, actor=actor, action="history.service.edited", target=service, changes=changes
        )
    return service


@transaction.atomic
def service_delete(*, org: Organization, actor: Actor, service_id: int) -> bool:
    """Deletes an unused service; one that history names is set to not offered instead.
    Returns whether the row was deleted."""
    service = service_get_for_actor(org=org, actor=actor, service_id=service_id)
    actor.require(Cap.SERVICES_MANAGE)
    used = (
        Visit.services.through.objects.filter(service_id=service.pk).exists()
        or OrderLine.objects.filter(service_id=service.pk).exists()
    )
    if used:
        if service.active:
            service.active = False
            service.save(update_fields=["active"])
            audit_record(
                org=org,
                actor=actor,
                action="history.service.retired",
                target=service,
                changes={"active": (True, False)},
            )
        return False
    audit_record(
        org=org,
        actor=actor,
        action="history.service.deleted",
        target=service,
        changes={"name": service.name},
    )
    service.delete()
    return True
