"""A customer's history in a real browser: record a completed visit on the profile and see
the overview, the list's column and the lapsed filter change; the history tabs by keyboard.

Set REGULARS_SCREENSHOTS to a folder to keep a screenshot of each step there.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.history.catalogue import service_create
from regulars.history.figures import org_today
from regulars.history.invoices import invoice_record, payment_record
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.tenancy.scope import tenant_scope
from tests.browser.test_customer_flows import _logged_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("REGULARS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _press(locator: Locator, key: str = "Enter") -> None:
    locator.focus()
    locator.press(key)


def _day(world: World, days_ago: int, hour: int = 10) -> str:
    return f"{org_today(world.org_a) - timedelta(days=days_ago)}T{hour:02d}:30"


def _customer(world: World, first: str, last: str) -> Customer:
    with tenant_scope(world.org_a):
        return customer_services.customer_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"first_name": first, "last_name": last, "email": f"{first.lower()}@example.com"},
        )


def _visit(world: World, customer: Customer, **data: Any) -> None:
    with tenant_scope(world.org_a):
        visit_record(
            org=world.org_a, actor=world.owner_a.actor, data={"customer_id": customer.pk, **data}
        )


def _list_row(page: Page, name: str) -> Locator:
    return page.locator("#rows tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_record_a_completed_visit_and_see_overview_column_and_lapsed_filter_change(
    world: World, live_server: Any, new_context: Any
) -> None:
    lara = _customer(world, "Lara", "Lapsed")
    _visit(world, lara, starts_at=_day(world, 400), amount="40.00")
    _visit(world, lara, starts_at=_day(world, 370), amount="50.00")
    page = _logged_in(new_context, live_server, world.staff_a)

    # The list with the "Total spent" column, chosen in the Columns panel by keyboard.
    _press(page.locator("#columns-panel > summary"))
    columns = page.locator("#columns-panel")
    _press(columns.get_by_role("checkbox", name="Total spent"), " ")
    _press(columns.get_by_role("button", name="Save columns"))
    expect(page.locator("#rows thead")).to_contain_text("Total spent")
    expect(_list_row(page, "Lara Lapsed")).to_contain_text("90.00")
    # Two visits 30 days apart, the last over a year ago: lapsed.
    page.goto(f"{live_server.url}/customers/?lapsed=yes")
    expect(_list_row(page, "Lara Lapsed")).to_have_count(1)

    # On the profile: record a completed visit today, from the keyboard.
    _list_row(page, "Lara Lapsed").get_by_role("link", name="Lara Lapsed").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lara Lapsed")
    _press(page.get_by_role("link", name="Record visit"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record a visit for")
    when = page.get_by_label("Date and time")
    expect(when).to_have_value(re.compile(rf"^{org_today(world.org_a)}T\d\d:\d\d$"))
    expect(page.get_by_label("Status")).to_have_value("completed")
    page.get_by_label("Location").select_option(label="Alpha North")
    amount = page.get_by_label("Amount")
    amount.fill("65.00")
    page.get_by_label("Note").fill("Back after a long break")
    _shot(page, "record-visit-form")
    amount.press("Enter")

    expect(page.get_by_text("Visit recorded.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#visits$"))
    visits = page.locator("#visits-panel")
    expect(visits.locator("tbody tr")).to_have_count(3)
    expect(visits.locator("tbody tr").first).to_contain_text("Back after a long break")
    _shot(page, "profile-visits-tab")

    # The overview: the new total and visit count.
    _press(page.get_by_role("tab", name=re.compile("Visits")), "ArrowLeft")
    expect(page.get_by_role("tab", name="Overview")).to_be_focused()
    overview = page.locator("#overview-panel")
    expect(overview.locator('[data-figure="total_spent"]')).to_contain_text("155.00")
    expect(overview.locator('[data-figure="visit_count"]')).to_have_text("3")
    expect(overview.locator('[data-figure="favourite_location"]')).to_contain_text("Alpha North")
    expect(overview.locator("figcaption").first).to_contain_text("3 completed visits in 3 months")

    # The list: the column shows the new amount; the lapsed filter no longer finds her.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(_list_row(page, "Lara Lapsed")).to_contain_text("155.00")
    page.goto(f"{live_server.url}/customers/?lapsed=yes")
    expect(page.locator(".filter-chips li")).to_have_count(1)
    expect(_list_row(page, "Lara Lapsed")).to_have_count(0)
    page.goto(f"{live_server.url}/customers/?lapsed=no")
    expect(_list_row(page, "Lara Lapsed")).to_have_count(1)


def _rich_history(world: World, customer: Customer) -> None:
    """A year of visits with services, orders with lines and a refund, three invoices."""
    org, actor = world.org_a, world.owner_a.actor
    with tenant_scope(org):
        cut = service_create(org=org, actor=actor, data={"name": "Cut", "price": "45.00"})
        colour = service_create(org=org, actor=actor, data={"name": "Colour", "price": "70.00"})
        for i, days in enumerate((330, 300, 262, 231, 199, 170, 140, 111, 80, 52, 24, 3)):
            visit_record(
                org=org,
                actor=actor,
                data={
                    "customer_id": customer.pk,
                    "starts_at": _day(world, days, 9 + i % 8),
                    "amount": "115.00" if i % 3 == 0 else "45.00",
                    "discount": "10.00" if i == 7 else "0",
                    "service_ids": [cut.pk, colour.pk] if i % 3 == 0 else [cut.pk],
                    "location_id": (world.loc_a1 if i % 4 else world.loc_a2).pk,
                    "note": "Likes it short" if i == 11 else "",
                },
            )
        visit_record(
            org=org,
            actor=actor,
            data={
                "customer_id": customer.pk,
                "starts_at": _day(world, -7),
                "amount": "45.00",
                "status": "booked",
                "service_ids": [cut.pk],
            },
        )
        order, _ = order_record(
            org=org,
            actor=actor,
            data={
                "customer_id": customer.pk,
                "number": "S-1001",
                "ordered_at": _day(world, 52, 11),
                "payment_method": "card",
                "lines": [
                    {"description": "Shampoo", "quantity": "2", "unit_price": "14.50"},
                    {"description": "Hair oil", "quantity": "1", "unit_price": "22.00"},
                ],
            },
        )
        order_record(
            org=org,
            actor=actor,
            data={
                "customer_id": customer.pk,
                "number": "S-1002",
                "ordered_at": _day(world, 50),
                "amount": "-14.50",
                "refund_of_id": order.pk,
                "payment_method": "card",
            },
        )
        today = org_today(org)
        invoices = [
            ("INV-31", 120, 90, "240.00"),
            ("INV-32", 45, 15, "180.00"),
            ("INV-33", 5, -25, "95.00"),
        ]
        for number, issued, due, amount in invoices:
            invoice, _ = invoice_record(
                org=org,
                actor=actor,
                data={
                    "customer_id": customer.pk,
                    "number": number,
                    "amount": amount,
                    "issued_on": str(today - timedelta(days=issued)),
                    "due_on": str(today - timedelta(days=due)),
                },
            )
            if number != "INV-33":
                payment_record(
                    org=org,
                    actor=actor,
                    data={
                        "invoice_id": invoice.pk,
                        "amount": "240.00" if number == "INV-31" else "80.00",
                        "paid_on": str(today - timedelta(days=due + 2)),
                    },
                )


def test_history_tabs_by_keyboard_with_charts(
    world: World, live_server: Any, new_context: Any
) -> None:
    rita = _customer(world, "Rita", "Regular")
    _rich_history(world, rita)
    page = _logged_in(new_context, live_server, world.staff_a)
    page.goto(f"{live_server.url}/customers/{rita.pk}/#overview")

    overview = page.locator("#overview-panel")
    expect(overview.locator('[data-figure="visit_count"]')).to_have_text("12")
    expect(overview.locator('[data-figure="favourite_services"]')).to_contain_text("Cut")
    # Both charts are drawn, and their numbers are on the page as text too.
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => c._chart && c.width > 0)"
    )
    expect(overview.locator("figcaption").first).to_contain_text("12 completed visits")
    _press(overview.locator("summary"))
    expect(overview.locator(".chart-numbers tbody tr")).to_have_count(24)
    _shot(page, "profile-overview")

    # Right arrow to Visits: the panel loads; sorting by amount works from the keyboard.
    _press(page.get_by_role("tab", name="Overview"), "ArrowRight")
    expect(page.get_by_role("tab", name=re.compile("Visits"))).to_be_focused()
    visits = page.locator("#visits-panel")
    expect(visits.locator("tbody tr")).to_have_count(13)
    _press(visits.get_by_role("link", name="Amount"))
    expect(visits.locator('th[aria-sort="descending"]')).to_contain_text("Amount")
    expect(page.locator("#visits-panel h2")).to_be_focused()
    expect(page.locator("#visits-panel tbody tr").first).to_contain_text("115.00")
    _shot(page, "profile-visits")

    _press(page.get_by_role("tab", name=re.compile("Visits")), "ArrowRight")
    orders = page.locator("#orders-panel")
    expect(orders.locator("tbody tr")).to_have_count(2)
    expect(orders).to_contain_text("Refund of S-1001")
    _shot(page, "profile-orders")

    _press(page.get_by_role("tab", name="Orders"), "ArrowRight")
    invoices = page.locator("#invoices-panel")
    expect(invoices.locator("tbody tr")).to_have_count(3)
    expect(invoices.locator("tr", has_text="INV-31")).to_contain_text("Paid")
    expect(invoices.locator("tr", has_text="INV-32")).to_contain_text("Overdue")
    expect(invoices.locator("tr", has_text="INV-33")).to_contain_text("Open")
    _shot(page, "profile-invoices")

    # A payment on the overdue invoice, from its page.
    invoices.get_by_role("link", name="INV-32").click()
    page.get_by_role("link", name="Record a payment").click()
    expect(page.get_by_label("Amount")).to_have_value("100.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment recorded.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paid")
    _shot(page, "invoice-detail")

    # The visit form offers the services as checkboxes.
    page.goto(f"{live_server.url}/customers/{rita.pk}/visits/new/")
    services = page.get_by_role("group", name="Services")
    expect(services.get_by_role("checkbox")).to_have_count(2)
    _press(services.get_by_role("checkbox", name="Cut"), " ")
    expect(services.get_by_role("checkbox", name="Cut")).to_be_checked()
    _shot(page, "record-visit-form-services")

    # An order with a line of a service: its price fills in when left empty.
    page.goto(f"{live_server.url}/customers/{rita.pk}/orders/new/")
    page.get_by_label("Item, line 1").fill("Shampoo")
    page.get_by_label("Quantity, line 1").fill("2")
    page.get_by_label("Unit price, line 1").fill("14.50")
    page.get_by_label("Service, line 2").select_option(label="Cut")
    page.get_by_role("button", name="Add a line").click()
    expect(page.get_by_label("Item, line 4")).to_be_visible()
    expect(page.get_by_label("Item, line 1")).to_have_value("Shampoo")
    _shot(page, "record-order-form")
    page.get_by_role("button", name="Record order").click()
    expect(page.get_by_text("Order recorded.")).to_be_visible()
    expect(page.locator("#orders-panel tbody tr")).to_have_count(3)
    expect(page.locator("#orders-panel tbody tr").first).to_contain_text("74.00")
