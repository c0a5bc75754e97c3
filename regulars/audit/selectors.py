"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from regulars.audit.models import AuditEntry
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope


def audit_entries(*, org: Organization, actor: Actor) -> QuerySet[AuditEntry]:
    assert_in_scope(org)
    actor.require(Cap.AUDIT_VIEW)
    return AuditEntry.objects.order_by("-created_at", "-id")


def audit_entries_for_customer(
    *, org: Organization, actor: Actor, customer_ids: list[int]
) -> QuerySet[AuditEntry]:
    assert_in_scope(org)
    return AuditEntry.objects.filter(customer_id__in=customer_ids).order_by("-created_at", "-id")
