"""Reads for exports: the columns a file can hold, the customers it holds, one's own exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

from regulars.core.errors import DomainError, NotFound
from regulars.core.text import query_text
from regulars.customers.cells import CellContext
from regulars.customers.columns import Column, columns_for, parse_sort
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.filters.base import local_today
from regulars.customers.models import Customer
from regulars.customers.search import TIER_LIMIT, search_is_capped
from regulars.customers.selectors import customer_list
from regulars.lists.services import matching_customers, selection_get
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope
from regulars.transfer.models import ExportRun, ExportScope


def export_columns(*, org: Organization, actor: Actor) -> dict[str, Column]:
    """Every column a file can hold: the registry's and the organization's custom fields."""
    fields = list(custom_field_list(org=org, actor=actor))
    return {k: c for k, c in columns_for(custom_fields=fields).items() if c.cell is not None}


def export_columns_chosen(org: Organization, actor: Actor, keys: list[str]) -> list[Column]:
    """The columns by key, in the order given; checked when asked and again when the job
    runs, as a custom field may be deleted in between."""
    known = export_columns(org=org, actor=actor)
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise DomainError.for_field("columns", f"Unknown columns: {', '.join(unknown[:5])}.")
    if len(set(keys)) != len(keys):
        raise DomainError.for_field("columns", "A column is listed twice.")
    if not keys:
        raise DomainError.for_field("columns", "Choose at least one column.")
    return [known[k] for k in keys]


def cell_context(org: Organization) -> CellContext:
    """What cells depend on besides the row: the zone moments are shown in, today for ages."""
    return CellContext(time_zone=org.time_zone, today=local_today(org))


@dataclass(frozen=True)
class Target:
    """The customers an export holds, in the order it writes them."""

    customers: QuerySet[Customer]
    order: tuple[str, ...]
    description: str
    ids: list[int] | None = None  # a selection: written in id order, chunk by chunk


def _sorted(query: str) -> tuple[str, ...]:
    return parse_sort(QueryDict(query).get("sort")).order


def resolve_target(*, actor: Actor, scope: str, query: str, selection_id: int | None) -> Target:
    """The customers of a list, a view's query, a selection, or everyone, as the actor may
    see them now. Raises DomainError naming the parameter that is wrong."""
    org = actor.org
    if scope in (ExportScope.LIST, ExportScope.VIEW):
        customers, words = matching_customers(actor, query, field="query")
        q = query_text(QueryDict(query).get("q"))
        if q and search_is_capped(customer_list(org=org, actor=actor), q):
            raise DomainError.for_field(
                "query",
                f"The search “{q}” matches more than {TIER_LIMIT:,} customers of one kind, "
                "and a search keeps only the best of those. Narrow it with filters, or "
                "export the filters without a search.",
            )
        return Target(customers, _sorted(query), words)
    if scope == ExportScope.SELECTION:
        if selection_id is None:
            raise DomainError.for_field("selection_id", "Say which selection to export.")
        selection = selection_get(org=org, actor=actor, selection_id=selection_id)
        words = f"{selection.count:,} selected customers ({selection.description or 'by hand'})"
        return Target(customer_list(org=org, actor=actor), ("pk",), words, ids=selection.ids)
    if scope == ExportScope.ALL:
        # Everyone, in the query's sort if it names one (filters are not read).
        return Target(customer_list(org=org, actor=actor), _sorted(query), "all customers")
    raise DomainError.for_field("scope", f"Choose one of: {', '.join(ExportScope.values)}.")


def _owned(run: ExportRun, actor: Actor) -> bool:
    """A person's export is theirs alone; an API key's export belongs to that key."""
    if run.requested_by_id is not None:
        return actor.user is not None and actor.user.pk == run.requested_by_id
    return run.api_key_id is not None and actor.api_key_id == run.api_key_id


def export_get_own(
    *, org: Organization, actor: Actor, export_id: int | None = None, token: str = ""
) -> ExportRun:
    """The actor's own export by id or link token: anyone else's is NotFound."""
    assert_in_scope(org)
    if export_id:
        found = ExportRun.objects.filter(pk=export_id)
    elif token:
        found = ExportRun.objects.filter(token=token[:43])
    else:
        raise NotFound()
    run = found.select_related("job").first()
    if run is None or not _owned(run, actor):
        raise NotFound()
    return run


def export_list_own(*, org: Organization, actor: Actor) -> QuerySet[ExportRun]:
    """The actor's own exports, newest first."""
    assert_in_scope(org)
    if actor.user is not None:
        mine = ExportRun.objects.filter(requested_by_id=actor.user.pk)
    elif actor.api_key_id is not None:
        mine = ExportRun.objects.filter(api_key_id=actor.api_key_id, requested_by__isnull=True)
    else:
        mine = ExportRun.objects.none()
    return mine.select_related("job").order_by("-created_at", "-id")
