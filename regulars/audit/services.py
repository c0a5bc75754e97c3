"""`audit_record` and `audit_record_many`: the one way to write an audit entry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from regulars.audit.models import AuditEntry
from regulars.core.text import is_secret_field
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

MASK = "••••"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def mask_changes(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """Turn {field: (old, new)} or {field: value} into JSON, masking secrets."""
    result: dict[str, Any] = {}
    for name, value in (changes or {}).items():
        if isinstance(value, tuple) and len(value) == 2:
            old, new = value
            result[name] = (
                {"old": MASK, "new": MASK}
                if is_secret_field(name)
                else {"old": _plain(old), "new": _plain(new)}
            )
        else:
            result[name] = MASK if is_secret_field(name) else _plain(value)
    return result


def diff(instance: models.Model, data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Old → new pairs for the fields in `data` that differ from the instance."""
    return {
        name: (getattr(instance, name), value)
        for name, value in data.items()
        if getattr(instance, name) != value
    }


@dataclass(frozen=True)
class AuditItem:
    action: str
    target: models.Model | None = None
    changes: Mapping[str, Any] | None = None
    customer_id: int | None = None
    target_label: str | None = None


def _entry(*, org: Organization, actor: Actor, item: AuditItem) -> AuditEntry:
    target = item.target
    customer_id = item.customer_id
    if customer_id is None and target is not None and target._meta.model_name == "customer":
        customer_id = int(target.pk)
    return AuditEntry(
        organization=org,
        actor_user=actor.user,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label[:254],
        channel=actor.channel,
        action=item.action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(item.target_label or (str(target) if target is not None else ""))[:254],
        customer_id=customer_id,
        changes=mask_changes(item.changes),
    )


def audit_record(
    *,
    org: Organization,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    customer_id: int | None = None,
) -> AuditEntry:
    """Write one entry in the caller's transaction (so it rolls back with the write)."""
    assert_in_scope(org)
    entry = _entry(
        org=org,
        actor=actor,
        item=AuditItem(action=action, target=target, changes=changes, customer_id=customer_id),
    )
    entry.save()
    return entry


def audit_record_many(
    *, org: Organization, actor: Actor, items: Iterable[AuditItem], batch_size: int = 500
) -> int:
    """Bulk paths (imports, merges, sample data) write their entries in batches."""
    assert_in_scope(org)
    entries = [_entry(org=org, actor=actor, item=item) for item in items]
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)
