"""The data log: the one writer of its entries, and the owners' reads.

An entry is written for every export made (or failed), every export refused, and every
download, with who, when, from where and what. Refusals are written outside the caller's
transaction (a 403 must not roll its own record back)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max, QuerySet

from regulars.customers.filters.base import local_midnight, next_day
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope
from regulars.transfer.models import DataLogEntry, DataLogEvent, ExportRun


def datalog_record(
    *,
    org: Organization,
    actor: Actor | None,
    event: str,
    ip: str | None,
    export: ExportRun | None = None,
    reason: str = "",
    description: str = "",
) -> DataLogEntry:
    """One entry; what it is about comes from `export` when there is one. Without an actor
    (the system settling an abandoned export) the entry names the export's requester."""
    assert_in_scope(org)
    entry = DataLogEntry(organization=org, event=event, ip=ip or None, reason=reason[:300])
    if actor is not None:
        entry.actor_user_id = actor.user.pk if actor.user is not None else None
        entry.actor_api_key_id = actor.api_key_id
        entry.actor_label = actor.label[:254]
        entry.channel = actor.channel
    elif export is not None:
        entry.actor_user_id = export.requested_by_id
        entry.actor_api_key_id = export.api_key_id
        entry.actor_label = export.requested_by_label
        entry.channel = export.channel
    entry.description = description[:500]
    if export is not None:
        entry.export_id = export.pk
        entry.description = export.description[:500]
        entry.columns = list(export.column_labels)
        entry.format = export.format
        if event == DataLogEvent.EXPORTED:
            # One entry per file carries its row count and SHA-256; the request before it
            # and the downloads after it name the export by its id.
            entry.row_count = export.row_count
            entry.sha256 = export.sha256
    entry.save()
    return entry


def datalog_refusal(
    *, org: Organization, actor: Actor, ip: str | None, reason: str, description: str = ""
) -> None:
    """A refused export or download, committed before the caller answers with an error.
    Callers are views, API handlers and commands outside any transaction (requests are not
    atomic here); inside one, a rollback would take the record with it."""
    with transaction.atomic():
        datalog_record(
            org=org,
            actor=actor,
            event=DataLogEvent.DENIED,
            ip=ip,
            reason=reason,
            description=description,
        )


def data_log_list(
    *,
    org: Organization,
    actor: Actor,
    user_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    event: str | None = None,
) -> QuerySet[DataLogEntry]:
    """Newest first; days are the organization's, both ends included."""
    assert_in_scope(org)
    actor.require(Cap.DATA_LOG_VIEW)
    entries = DataLogEntry.objects.all()
    if user_id is not None:
        entries = entries.filter(actor_user_id=user_id)
    if day_from is not None:
        entries = entries.filter(created_at__gte=local_midnight(org, day_from))
    if day_to is not None:
        entries = entries.filter(created_at__lt=local_midnight(org, next_day(day_to)))
    if event:
        entries = entries.filter(event=event)
    return entries.order_by("-created_at", "-id")


def data_log_people(*, org: Organization, actor: Actor) -> list[tuple[int, str]]:
    """Everyone the log names, for the filter: (user id, the label of their latest entry)."""
    actor.require(Cap.DATA_LOG_VIEW)
    latest = (
        DataLogEntry.objects.filter(actor_user_id__isnull=False)
        .values("actor_user_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    rows = DataLogEntry.objects.filter(id__in=list(latest)).values_list(
        "actor_user_id", "actor_label"
    )
    return sorted(((int(u), label) for u, label in rows if u), key=lambda p: p[1].lower())
