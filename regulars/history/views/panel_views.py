"""The profile's panels: the overview and the visits, orders and invoices tabs, sorted and
paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from regulars.core.paging import sort
from regulars.history import analytics, selectors
from regulars.history.figures import org_today
from regulars.history.views.common_views import _customer
from regulars.tenancy.http import actor_of, staff_required

if TYPE_CHECKING:
    from regulars.customers.models import Customer

PER_PAGE = 20

# Sort keys of each tab (?sort=date, ?sort=-amount): the date and the amount.
SORTS: dict[str, dict[str, tuple[str, ...]]] = {
    "visits": {"date": ("starts_at",), "amount": ("amount", "starts_at")},
    "orders": {"date": ("ordered_at",), "amount": ("total", "ordered_at")},
    "invoices": {
        "date": ("issued_on",),
        "due": ("due_on", "issued_on"),
        "amount": ("amount", "issued_on"),
    },
}


def _panel(
    request: HttpRequest, tab: str, customer: Customer, context: dict[str, Any]
) -> HttpResponse:
    """The tab's panel for htmx; the same panel inside a page of its own otherwise."""
    context = {"customer": customer, "tab": tab, **context}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"history/_{tab}.html", context)
    return render(request, "history/tab_page.html", {**context, "panel": f"history/_{tab}.html"})


def _paged(
    request: HttpRequest, tab: str, customer: Customer, rows: Any, default: str = "-date"
) -> dict[str, Any]:
    rows, key = sort(request, rows, allowed=SORTS[tab], default=default)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    url = reverse(f"history:{tab}", kwargs={"customer_id": customer.pk})
    headers = {}
    for name in SORTS[tab]:
        direction = "ascending" if key == name else "descending" if key == f"-{name}" else None
        # A click on the sorted column turns it round; another column starts with the
        # latest (or largest) first.
        target = name if key == f"-{name}" else f"-{name}"
        headers[name] = {"url": f"{url}?{urlencode({'sort': target})}", "direction": direction}
    pages = {}
    if page.has_previous():
        pages["prev"] = (
            f"{url}?{urlencode({'sort': key, 'page': str(page.previous_page_number())})}"
        )
    if page.has_next():
        pages["next"] = f"{url}?{urlencode({'sort': key, 'page': str(page.next_page_number())})}"
    return {"page": page, "sort": key, "headers": headers, "pages": pages}


@staff_required()
def overview(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    found = analytics.customer_overview(org=actor.org, actor=actor, customer_id=customer_id)
    chart = {
        "labels": [m.start.strftime("%b %Y") for m in found.months],
        "visits": [m.visits for m in found.months],
        "spent": [str(m.spent) for m in found.months],
    }
    context = {
        "overview": found,
        "months": list(reversed(found.months)),  # the table: the latest month first
        "chart": chart,
    }
    return _panel(request, "overview", found.customer, context)


@staff_required()
def visit_list(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    rows = selectors.visit_list(org=actor.org, actor=actor, customer_id=customer.pk)
    return _panel(request, "visits", customer, _paged(request, "visits", customer, rows))


@staff_required()
def order_list(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    rows = selectors.order_list(org=actor.org, actor=actor, customer_id=customer.pk)
    return _panel(request, "orders", customer, _paged(request, "orders", customer, rows))


@staff_required()
def invoice_list(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = _customer(actor, customer_id)
    rows = selectors.invoice_list(org=actor.org, actor=actor, customer_id=customer.pk)
    context = _paged(request, "invoices", customer, rows)
    today = org_today(actor.org)
    for invoice in context["page"]:
        invoice.status_now = invoice.status_on(today)
    return _panel(request, "invoices", customer, context)
