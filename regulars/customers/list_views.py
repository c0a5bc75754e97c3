"""The customer list page: its rows in the member's columns, sort links, the exact match
count (fetched after the page when counting costs), and the top bar's suggestions.

What the list keeps beyond one request (each member's columns, saved views) lives in
`regulars.lists`, a layer above customers: it plugs its part of the page in through
`list_layout_provide`, so that nothing here imports it (DESIGN.md §3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from regulars.core.errors import DomainError, NotFound
from regulars.core.paging import keyset_page
from regulars.core.text import query_text
from regulars.customers import selectors
from regulars.customers.columns import DEFAULT_SORT, Column, Sort, columns_for, parse_sort
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.custom_fields import custom_values_for
from regulars.customers.filters import FilterSet, filters_for, parse_filters
from regulars.customers.forms import SampleForm
from regulars.customers.matching import KEYS, customer_find_visible
from regulars.customers.models import Customer
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required

# Up to this many matches the page counts them itself (a bounded probe); beyond, it shows
# "Counting…" and fetches the exact count from `customer_count` once it is on screen.
INLINE_COUNT_MAX = 1_000
RANKED = "rank"  # the `sort` of a search listed best match first
SUGGESTIONS = 8
STATUS_CHOICES = (("active", "Active"), ("deactivated", "Deactivated"), ("all", "All"))
# The columns the list showed before members could choose; used only if no layout is plugged in.
PLAIN_COLUMNS = ("name", "account_number", "email", "phone_mobile", "created_at")
DAY_COLUMNS = frozenset({"created_at", "updated_at"})  # datetimes shown as a day


# ------------------------------------------------------------------ the lists app's part


@dataclass(frozen=True)
class ListLayout:
    """How one member sees the list: the column keys in order, how many leading ones stay
    in place when the table scrolls sideways, and the page parts the lists app adds
    (the Views menu, the Columns panel) as template context."""

    columns: tuple[str, ...]
    locked: int
    view_query: str | None = None  # the open saved view's query, to complete a bare ?view=
    context: dict[str, Any] = field(default_factory=dict)


LayoutProvider = Callable[[HttpRequest, Actor, dict[str, Column]], ListLayout]
_PROVIDERS: list[LayoutProvider] = []


def list_layout_provide(provider: LayoutProvider) -> LayoutProvider:
    """Registers the member's layout (the lists app does, when its views are imported with
    the URLconf); the last one registered wins."""
    _PROVIDERS.append(provider)
    return provider


def _layout(request: HttpRequest, actor: Actor, columns: dict[str, Column]) -> ListLayout:
    if _PROVIDERS:
        return _PROVIDERS[-1](request, actor, columns)
    return ListLayout(columns=PLAIN_COLUMNS, locked=1)


# ------------------------------------------------------------------ table cells


@dataclass(frozen=True)
class Place:
    """Where a column sits: its CSS class and, when locked, its sticky offset."""

    css: str
    left: str = ""


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    place: Place
    sort_query: str | None  # the query string of this column's sort link
    direction: str | None  # "ascending" / "descending" when the list is sorted by it


@dataclass(frozen=True)
class Cell:
    key: str
    text: str
    place: Place
    link: bool = False  # opens the customer (the name column, else the first one)


def _places(keys: list[str], locked: int) -> list[Place]:
    """Locked columns have one fixed width (CSS `--lock-w`), so each one's sticky offset is
    known without measuring: the select column, then i locked columns before it."""
    places = []
    for i, key in enumerate(keys):
        css = [f"col-{key.replace('_', '-')}"]
        if i < locked:
            css.append("locked")
            if i == locked - 1:
                css.append("locked-last")
            left = "var(--select-w)" if i == 0 else f"calc(var(--select-w) + {i} * var(--lock-w))"
            places.append(Place(" ".join(css), left))
        else:
            places.append(Place(" ".join(css)))
    return places


def _headers(
    shown: list[Column], places: list[Place], *, sort: str, base_pairs: list[tuple[str, str]]
) -> list[Header]:
    """Every sortable column links to its sort: ascending first, the other way when the list
    is already sorted by it."""
    headers = []
    for column, place in zip(shown, places, strict=True):
        query = direction = None
        if column.sortable:
            if sort == column.key:
                direction, target = "ascending", f"-{column.key}"
            elif sort == f"-{column.key}":
                direction, target = "descending", column.key
            else:
                target = column.key
            query = urlencode([*base_pairs, ("sort", target)])
        headers.append(Header(column.key, column.label, place, query, direction))
    return headers


def _rows(
    customers: list[Customer], shown: list[Column], places: list[Place]
) -> list[tuple[Customer, list[Cell]]]:
    """Each customer's cells from the registry's value functions. Custom fields' values for
    the whole page come in one call (two queries), and only when a custom column shows."""
    if any(c.key.startswith("cf_") for c in shown) and customers:
        values = custom_values_for(customer_ids=[c.pk for c in customers])
        for customer in customers:
            customer.custom_values_shaped = values[customer.pk]  # type: ignore[attr-defined]
    link = "name" if any(c.key == "name" for c in shown) else shown[0].key
    return [
        (
            customer,
            [
                Cell(column.key, _shown(column, customer), place, link=column.key == link)
                for column, place in zip(shown, places, strict=True)
            ],
        )
        for customer in customers
    ]


def _shown(column: Column, customer: Customer) -> str:
    """The registry's value, but the times of a record as a person reads a day (the value
    function writes ISO for exports); categories show as chips instead."""
    if column.key == "categories":
        return ""
    if column.key in DAY_COLUMNS:
        return date_format(localtime(getattr(customer, column.key)), "j M Y")
    return column.value(customer)


# ------------------------------------------------------------------ the page


@staff_required()
def customer_list(request: HttpRequest) -> HttpResponse:
    """The working list: keyset-paged so page 20,000 costs what page 1 does; filtered and
    sorted through the filter and column registries; shown in the member's columns (or an
    open saved view's). A bad filter, sort, cursor or view answers 400 naming it."""
    actor = actor_of(request)
    q = query_text(request.GET.get("q"))
    if request.htmx and request.GET.get("suggest"):  # type: ignore[attr-defined]
        return _suggestions(request, actor, q)
    # A search without a chosen sort lists the best matches first (customers.search).
    ranked = bool(q) and request.GET.get("sort", RANKED) in ("", RANKED)
    all_columns = columns_for(custom_fields=list(custom_field_list(org=actor.org, actor=actor)))
    layout: ListLayout | None = None
    try:
        layout = _layout(request, actor, all_columns)
        if layout.view_query is not None and set(request.GET) == {"view"}:
            # A bare ?view=<id> (a bookmark): open it with its search, filters and sort.
            joined = "&".join(p for p in (layout.view_query, urlencode(request.GET)) if p)
            return redirect(f"{reverse('customers:list')}?{joined}")
        filters = parse_filters(org=actor.org, actor=actor, data=request.GET)
        chosen = request.GET.get("sort")
        sort = parse_sort(None if ranked or chosen == RANKED else chosen)
        page, total = _list_page(request, actor, q, filters, sort.order if not ranked else None)
    except NotFound:
        raise  # another member's private view, another organization's: the 404 page
    except DomainError as exc:
        return _failed(request, actor, q, exc, layout)
    context = _context(request, actor, q, filters, RANKED if ranked else sort, layout, all_columns)
    context.update(page=page, total=total, total_label=f"{total:,}" if total is not None else "")
    context["rows"] = _rows(page.items, context["shown"], context["places"])
    context["deleted_matches"] = _deleted_matches(actor, q) if q and not page.items else []
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_rows.html", context)
    return render(request, "customers/customer_list.html", context)


def _context(
    request: HttpRequest,
    actor: Actor,
    q: str,
    filters: FilterSet,
    sort: Sort | str,
    layout: ListLayout,
    all_columns: dict[str, Column],
) -> dict[str, Any]:
    """Everything the page shows but the rows and the count."""
    sort_key = sort if isinstance(sort, str) else sort.key
    pairs = [("q", q)] if q else []
    view = [("view", v) for v in request.GET.getlist("view")[:1]]
    # The list's parameters but sort and cursor, for the sort and pager links.
    list_pairs = pairs + filters.pairs() + view
    shown = [all_columns[k] for k in layout.columns if k in all_columns] or [all_columns["name"]]
    locked = min(layout.locked, len(shown))
    places = _places([c.key for c in shown], locked)
    return {
        **layout.context,
        "q": q,
        "sort": sort_key,
        "sort_chosen": "sort" in request.GET,
        "status": filters.status,
        "status_choices": STATUS_CHOICES,
        "open_view": view[0][1] if view else "",
        "list_query": urlencode(list_pairs),
        "count_url": _with_query(reverse("customers:count"), pairs + filters.pairs()),
        "chips": [
            (c.text, urlencode([*pairs, ("sort", sort_key), *view]) + "&" + c.remove_query)
            for c in filters.chips()
        ],
        "filter_form": filters.form(),
        "filtering": bool(filters.chips()),
        "shown": shown,
        "places": places,
        "locked": locked,
        "headers": _headers(shown, places, sort=sort_key, base_pairs=list_pairs),
        "sample_form": SampleForm(),
    }


def _with_query(path: str, pairs: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _failed(
    request: HttpRequest, actor: Actor, q: str, exc: DomainError, layout: ListLayout | None
) -> HttpResponse:
    """The page with the errors named instead of rows (and the panels, when they could be
    read), answering 400."""
    panel = FilterSet(org=actor.org, all_filters=tuple(filters_for(org=actor.org, actor=actor)))
    failed: dict[str, Any] = {
        **(layout.context if layout is not None else {}),
        "q": q,
        "errors": exc.errors or [{"field": "query", "message": exc.detail}],
        "status": "active",
        "status_choices": STATUS_CHOICES,
        "sort": DEFAULT_SORT,
        "filter_form": panel.form(),
        "sample_form": SampleForm(),
    }
    template = "customers/_rows.html" if request.htmx else "customers/customer_list.html"  # type: ignore[attr-defined]
    return render(request, template, failed, status=exc.status)


def _list_page(
    request: HttpRequest,
    actor: Actor,
    q: str,
    filters: FilterSet,
    order: tuple[str, ...] | None,
) -> tuple[Any, int | None]:
    """The page of the list and its match count: ranked when `order` is None (a search
    without a chosen sort), else keyset-paged in `order`. A cursor of another list raises.
    The count is None when there are more than INLINE_COUNT_MAX: the page then fetches it."""
    cursor = request.GET.get("cursor")
    page: Any
    if order is None:
        page = selectors.customer_search_page(
            org=actor.org,
            actor=actor,
            q=q,
            status=filters.status,
            filters=filters,
            with_categories=True,
            cursor=cursor,
            search_key=urlencode(filters.pairs()),
        )
        return page, page.total
    customers = _matching(actor, q, filters, with_categories=True)
    key = f"{q}\n{filters.to_query()}"
    page = keyset_page(customers, order=order, cursor=cursor, key=key)
    # A bounded probe: an exact count of a million rows would hold up every page.
    probed = customers.order_by()[: INLINE_COUNT_MAX + 1].count()
    return page, probed if probed <= INLINE_COUNT_MAX else None


def _matching(
    actor: Actor, q: str, filters: FilterSet, *, with_categories: bool = False
) -> QuerySet[Customer]:
    """The list's customers, the same for the page and its count."""
    return selectors.customer_list(
        org=actor.org,
        actor=actor,
        q=q,
        status=filters.status,
        with_categories=with_categories,
        filters=filters,
    )


@staff_required()
def customer_count(request: HttpRequest) -> HttpResponse:
    """The exact number of customers the list's search and filters match: the fragment the
    list fetches after showing its first page, or a small page of its own without script.
    A bad filter answers 400 naming it."""
    actor = actor_of(request)
    q = query_text(request.GET.get("q"))
    try:
        filters = parse_filters(org=actor.org, actor=actor, data=request.GET)
    except DomainError as exc:
        failed = {"errors": exc.errors, "list_url": reverse("customers:list")}
        return render(request, "customers/customer_count.html", failed, status=400)
    total = _matching(actor, q, filters).count()
    pairs = [("q", q)] if q else []
    context: dict[str, Any] = {
        "total": total,
        "total_label": f"{total:,}",
        "q": q,
        "describe": filters.describe(),
        "list_url": _with_query(reverse("customers:list"), pairs + filters.pairs()),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_count.html", context)
    return render(request, "customers/customer_count.html", context)


def _suggestions(request: HttpRequest, actor: Actor, q: str) -> HttpResponse:
    """The top bar's as-you-type dropdown: the best few matches, deactivated ones too."""
    page = None
    if q:
        page = selectors.customer_search_page(
            org=actor.org, actor=actor, q=q, status="all", per_page=SUGGESTIONS
        )
    return render(request, "customers/_suggest.html", {"q": q, "page": page})


def _deleted_matches(actor: Actor, q: str) -> list[Customer]:
    """A search that finds no one may be an identifier of a deleted customer: say so, to
    restore rather than re-create."""
    if not actor.can(Cap.CUSTOMERS_VIEW):
        return []
    keys = dict.fromkeys(KEYS, q.strip())
    return customer_find_visible(org=actor.org, actor=actor, keys=keys).deleted
