"""Selections and starting a bulk action on one: small ones at once, large ones as a job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict

from regulars.core.errors import DomainError, NotFound
from regulars.core.text import query_text
from regulars.customers.filters.base import parse_filters
from regulars.customers.models import Customer
from regulars.customers.selectors import customer_list
from regulars.jobs.models import Job
from regulars.jobs.services import job_start
from regulars.lists.actions import ACTIONS, Action, Tally
from regulars.lists.models import Selection
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

INLINE_MAX = 500  # above this many customers an action runs as a job, with progress
BATCH = 500


def matching_customers(actor: Actor, query: str, *, field: str) -> tuple[QuerySet[Customer], str]:
    """The customers a list's query string matches now (search, status and every filter of
    the registry), and those filters in words. Bad parameters are a 400 naming `field`."""
    data = QueryDict(query)
    try:
        filters = parse_filters(org=actor.org, actor=actor, data=data)
    except DomainError as exc:
        names = ", ".join(e.field for e in exc.errors) or field
        raise DomainError.for_field(field, f"The list's filters are not valid ({names}).") from exc
    q = query_text(data.get("q"))
    customers = customer_list(
        org=actor.org, actor=actor, q=q, status=filters.status, filters=filters
    )
    words = [f"matching “{q}”"] if q else []
    words.append(filters.describe() or "all active customers")
    return customers, ", ".join(w for w in words if w)


def selection_from_ids(*, org: Organization, actor: Actor, ids: list[int]) -> Selection:
    """Customers chosen one by one. An id the actor cannot see is the caller's error."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    wanted = set(ids)
    if not wanted:
        raise DomainError.for_field("ids", "Choose at least one customer.")
    found = set(
        customer_list(org=org, actor=actor).filter(id__in=wanted).values_list("id", flat=True)
    )
    if found != wanted:
        raise DomainError.for_field("ids", "One of the chosen customers does not exist.")
    return _selection(org, actor, sorted(found), description="chosen by hand")


def selection_from_queryset(
    *, org: Organization, actor: Actor, customers: QuerySet[Customer], description: str
) -> Selection:
    """Every customer a list shows now (its search and filters), snapshotted."""
    assert_in_scope(org)
    ids = list(customers.order_by().values_list("id", flat=True))
    if not ids:
        raise DomainError.for_field("filter", "No customer matches; nothing to change.")
    return _selection(org, actor, ids, description=description)


def _selection(org: Organization, actor: Actor, ids: list[int], *, description: str) -> Selection:
    return Selection.objects.create(
        organization=org,
        created_by=actor.user,
        created_by_label=actor.label[:254],
        description=description[:500],
        count=len(set(ids)),
        packed_ids=Selection.pack(ids),
    )


def selection_get(*, org: Organization, actor: Actor, selection_id: int) -> Selection:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    selection = Selection.objects.filter(pk=selection_id).first()
    if selection is None:
        raise NotFound()
    return selection


@dataclass(frozen=True)
class BulkOutcome:
    """Done at once (`tally`), or running as `job`."""

    action: str
    tally: Tally | None = None
    job: Job | None = None


def bulk_prepare(*, org: Organization, actor: Actor, action: str, params: dict[str, Any]) -> Action:
    """The action with its parameters checked (a category made on the spot is made here)."""
    kind = ACTIONS.get(action)
    if kind is None:
        raise DomainError.for_field("action", f"Choose one of: {', '.join(ACTIONS)}.")
    actor.require(kind.capability)
    return kind(params=kind.clean(org=org, actor=actor, params=params))


def bulk_start(
    *, org: Organization, actor: Actor, selection: Selection, action: Action
) -> BulkOutcome:
    """Up to INLINE_MAX customers change now, in one transaction; more run as a job whose
    batches each commit with their checkpoint (a restarted job changes no one twice)."""
    if selection.count <= INLINE_MAX:
        with transaction.atomic():
            tally = action.apply(org=org, actor=actor, ids=selection.ids)
        return BulkOutcome(action=action.name, tally=tally)
    job = job_start(
        org=org,
        actor=actor,
        kind="customers.bulk",
        params={"selection_id": selection.pk, "action": action.name, "params": action.params},
        total=(selection.count + BATCH - 1) // BATCH,
        label=f"{action.describe()}: {selection.count:,} customers",
    )
    return BulkOutcome(action=action.name, job=job)
