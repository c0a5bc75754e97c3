"""Loading generated customers into an organization: the demo's plan and batches.

The rows are written by `customers.bulk.customers_insert` (the import writes through it
too); `customers_load` runs the batches, each in its own transaction, with each batch's
history (`demo.history`) when a history plan is given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db import transaction

from regulars.customers.bulk import (
    ANALYZE_AFTER,
    ANALYZED,
    DEMO_LABEL,
    LoadPlan,
    analyze_customers,
    customers_insert,
    large_write_cache,
)
from regulars.customers.bulk import _audit_created as _audit_created
from regulars.customers.categories import category_create
from regulars.customers.custom_fields import custom_field_create
from regulars.customers.models import Category, CustomField, CustomFieldOption
from regulars.customers.rows import CustomerRow
from regulars.demo.generator import CATEGORIES, CUSTOM_FIELDS, CustomerGenerator
from regulars.demo.history import HistoryPlan, analyze_history, history_insert
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Location, Organization, StaffMembership
from regulars.tenancy.scope import assert_in_scope

__all__ = [
    "ANALYZED",
    "BATCH_SIZE",
    "DEMO_LABEL",
    "CustomerRow",
    "LoadPlan",
    "_analyze",
    "customers_insert",
    "customers_load",
    "demo_plan_create",
]

BATCH_SIZE = 5000
_analyze = analyze_customers


def demo_plan_create(*, org: Organization, actor: Actor) -> LoadPlan:
    """The demo categories and custom fields (created through their services if missing),
    with the organization's locations and active staff."""
    assert_in_scope(org)
    categories = {c.name: c for c in Category.objects.all()}
    for name, colour in CATEGORIES:
        if name not in categories:
            categories[name] = category_create(
                org=org, actor=actor, data={"name": name, "colour": colour}
            )
    fields = {f.key: f for f in CustomField.objects.all()}
    for spec in CUSTOM_FIELDS:
        if spec.key not in fields:
            fields[spec.key] = custom_field_create(
                org=org,
                actor=actor,
                data={
                    "key": spec.key,
                    "label": spec.label,
                    "field_type": spec.field_type,
                    "options": list(spec.options),
                },
            )
    wanted = {spec.key: spec.field_type for spec in CUSTOM_FIELDS}
    fields = {k: f for k, f in fields.items() if wanted.get(k) == f.field_type}
    options = {
        (o.field.key, o.label): o
        for o in CustomFieldOption.objects.filter(field__in=fields.values()).select_related("field")
    }
    staff = [
        m.user
        for m in StaffMembership.objects.filter(is_active=True)
        .select_related("user")
        .order_by("id")
    ]
    return LoadPlan(
        locations=list(Location.objects.order_by("id")),
        categories={k: v for k, v in categories.items() if k in dict(CATEGORIES)},
        fields=fields,
        options=options,
        staff=staff,
    )


def customers_load(
    *,
    org: Organization,
    actor: Actor,
    generator: CustomerGenerator,
    count: int,
    plan: LoadPlan,
    start: int = 0,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    history: HistoryPlan | None = None,
    history_counts: Counter[str] | None = None,
) -> int:
    """Rows `start … start+count-1` of the generator, one transaction per batch, with
    their history and figures when `history` is given (counts added to `history_counts`).

    `progress` is called with the number of rows loaded so far after each batch.
    """
    assert_in_scope(org)
    large_write_cache()
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        rows = list(generator.rows(start + done, size))
        with transaction.atomic():
            ids = customers_insert(org=org, actor=actor, rows=rows, plan=plan)
            if history is not None:
                written = history_insert(org=org, plan=history, ids=ids, rows=rows)
                if history_counts is not None:
                    history_counts.update(written)
        done += size
        if progress is not None:
            progress(done)
    if done >= ANALYZE_AFTER:
        analyze_customers()
        if history is not None:
            analyze_history()
    return done
