"""Undo of an import: what it created is deleted (softly), what it changed is put back,
unless someone has worked on that customer since; those are listed, never overwritten.

"Since" is read from the customer's version (every edit moves it), its notes and its
audit trail, against what the import left (`ImportRow.version_after`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from regulars.audit.models import AuditEntry
from regulars.audit.services import AuditItem, audit_record_many
from regulars.core.errors import DomainError
from regulars.customers.custom_fields import custom_values_clean, custom_values_save
from regulars.customers.models import (
    ConsentEvent,
    ConsentSource,
    Customer,
    Note,
)
from regulars.customers.normalize import email_key
from regulars.customers.search import search_fields_set
from regulars.jobs.runner import JobContext
from regulars.transfer.models import ImportRow, ImportRun, RowOutcome

PAGE = 500
CONFLICTS_KEPT = 500
DATE_FIELDS = {"date_of_birth"}


def _label(run: ImportRun) -> str:
    return f"Import of {run.original_name}"[:254]


def undo_run(ctx: JobContext, run: ImportRun) -> dict[str, Any]:
    saved = ctx.saved_checkpoint
    after = int(saved.get("after", 0))
    report: dict[str, Any] = {
        "deleted": 0,
        "restored": 0,
        "conflicts": 0,
        "conflict_rows": [],
        **saved.get("report", {}),
    }
    rows = ImportRow.objects.filter(
        run=run, outcome__in=(RowOutcome.CREATED, RowOutcome.UPDATED)
    ).order_by("number")
    total = rows.count()
    ctx.set_total(total)
    done = int(saved.get("done", 0))
    while True:
        page = list(rows.filter(number__gt=after)[:PAGE])
        if not page:
            break
        ctx.check_cancel()
        with transaction.atomic():
            _undo_page(ctx, run, page, report)
            after = page[-1].number
            done += len(page)
            ctx.save_checkpoint({"after": after, "done": done, "report": report}, done=done)
        ctx.progress(done, message=f"{done:,} of {total:,} rows undone")
    report["message"] = (
        f"{report['deleted']:,} created customers deleted, {report['restored']:,} restored; "
        f"{report['conflicts']:,} changed since the import and left as they are."
    )
    return report


def _touched(run: ImportRun, ids: list[int]) -> dict[int, str]:
    """Customers worked on since the import, with the reason, for created ones."""
    label = _label(run)
    reasons: dict[int, str] = {}
    notes = (
        Note.objects.filter(customer_id__in=ids)
        .exclude(author_label=label)
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    for entry in notes:
        reasons[entry["customer_id"]] = f"{entry['n']} note(s) added since the import"
    history = (
        AuditEntry.objects.filter(customer_id__in=ids)
        .exclude(action="customers.customer.created")
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    for entry in history:
        reasons.setdefault(entry["customer_id"], f"{entry['n']} change(s) since the import")
    return reasons


def _undo_page(
    ctx: JobContext, run: ImportRun, page: list[ImportRow], report: dict[str, Any]
) -> None:
    now = timezone.now()
    customers = {
        c.pk: c
        for c in Customer.objects.filter(
            pk__in=[r.customer_id for r in page if r.customer_id]
        ).order_by()
    }
    created_ids = [
        r.customer_id for r in page if r.outcome == RowOutcome.CREATED and r.customer_id is not None
    ]
    touched = _touched(run, created_ids)
    audit: list[AuditItem] = []
    events: list[ConsentEvent] = []
    through = Customer.categories.through
    for row in page:
        customer = customers.get(row.customer_id or 0)
        reason = ""
        if customer is None or customer.deleted_at is not None:
            reason = "deleted since the import"
        elif customer.version != row.version_after:
            reason = "edited since the import"
        elif row.outcome == RowOutcome.CREATED and customer.pk in touched:
            reason = touched[customer.pk]
        elif any(
            getattr(customer, f"{channel}_consent") != state
            for channel, state in (row.before.get("consent_set") or {}).items()
        ):
            reason = "consent changed since the import"
        if reason:
            report["conflicts"] += 1
            if len(report["conflict_rows"]) < CONFLICTS_KEPT:
                report["conflict_rows"].append(
                    {
                        "number": row.number,
                        "customer_id": row.customer_id,
                        "name": str(customer) if customer else "",
                        "reason": reason,
                    }
                )
            continue
        assert customer is not None  # noqa: S101  (reason is set when it is None)
        if row.outcome == RowOutcome.CREATED:
            Customer.objects.filter(pk=customer.pk).update(
                deleted_at=now, version=F("version") + 1, updated_at=now
            )
            audit.append(
                AuditItem(
                    action="customers.customer.deleted",
                    target=customer,
                    changes={"import_undone": run.pk},
                )
            )
            report["deleted"] += 1
            continue
        audit.append(_restore(run, row, customer, now, events, through))
        report["restored"] += 1
    ConsentEvent.objects.bulk_create(events)
    audit_record_many(org=ctx.org, actor=ctx.actor, items=audit)


def _restore(
    run: ImportRun,
    row: ImportRow,
    customer: Customer,
    now: Any,
    events: list[ConsentEvent],
    through: Any,
) -> AuditItem:
    before = row.before or {}
    changes: dict[str, Any] = {}
    fields: list[str] = []
    for name, old in (before.get("fields") or {}).items():
        if name in DATE_FIELDS and isinstance(old, str):
            old = date.fromisoformat(old)
        changes[name] = (str(getattr(customer, name)), str(old))
        setattr(customer, name, old)
        fields.append(name)
    if "email" in fields:
        customer.email_key = email_key(customer.email)
        fields.append("email_key")
    for channel, old in (before.get("consent") or {}).items():
        setattr(customer, f"{channel}_consent", old)
        fields.append(f"{channel}_consent")
        changes[f"{channel}_consent"] = old
        events.append(
            ConsentEvent(
                organization_id=customer.organization_id,
                customer=customer,
                channel=channel,
                state=old,
                blocked=getattr(customer, f"{channel}_blocked"),
                source=ConsentSource.IMPORT_UNDO,
                detail=_label(run)[:200],
                actor_label="import undo",
            )
        )
    fields += search_fields_set(customer)
    Customer.objects.filter(pk=customer.pk).update(
        **{name: getattr(customer, name) for name in dict.fromkeys(fields)},
        version=F("version") + 1,
        updated_at=now,
    )
    added = before.get("categories_added") or []
    if added:
        through.objects.filter(customer_id=customer.pk, category_id__in=added).delete()
        changes["categories_removed"] = added
    note_ids = before.get("notes") or []
    if note_ids:
        Note.objects.filter(customer=customer, pk__in=note_ids).delete()
        changes["notes_removed"] = len(note_ids)
    custom = before.get("custom") or {}
    if custom:
        try:
            cleaned = custom_values_clean(org=run.organization, values=custom, partial=True)
        except DomainError:  # the field changed since (now required, an option removed)
            changes["custom_fields_not_restored"] = sorted(custom)
        else:
            for key, pair in custom_values_save(customer=customer, cleaned=cleaned).items():
                changes[f"custom_fields.{key}"] = pair
    return AuditItem(
        action="customers.customer.updated",
        target=customer,
        changes={**changes, "import_undone": run.pk},
    )
