"""History pages: the profile's overview and tabs, the forms that record, edit and delete
visits, orders (lines, refunds), invoices and payments, and the services catalogue; rights
(read-only sees but cannot record, a location-limited member meets 404 outside their
locations, another organization meets 404)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client

from regulars.customers.models import Customer
from regulars.history.catalogue import service_create
from regulars.history.figures import org_today
from regulars.history.invoices import invoice_record, payment_record
from regulars.history.models import Invoice, Order, Payment, Service, Visit
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _fresh(customer: Customer) -> Customer:
    with tenant_scope(customer.organization):
        return Customer.objects.get(pk=customer.pk)


def _ago(world: World, days: int, hour: int = 11) -> str:
    return f"{org_today(world.org_a) - timedelta(days=days)}T{hour:02d}:00"


def _visit(world: World, customer: Customer, **data: Any) -> Visit:
    with tenant_scope(world.org_a):
        return visit_record(
            org=world.org_a, actor=world.owner_a.actor, data={"customer_id": customer.pk, **data}
        )[0]


def _order(world: World, customer: Customer, **data: Any) -> Order:
    with tenant_scope(world.org_a):
        return order_record(
            org=world.org_a, actor=world.owner_a.actor, data={"customer_id": customer.pk, **data}
        )[0]


def _invoice(world: World, customer: Customer, **data: Any) -> Invoice:
    with tenant_scope(world.org_a):
        return invoice_record(
            org=world.org_a, actor=world.owner_a.actor, data={"customer_id": customer.pk, **data}
        )[0]


def _service(world: World, name: str, price: str = "") -> Service:
    with tenant_scope(world.org_a):
        return service_create(
            org=world.org_a, actor=world.owner_a.actor, data={"name": name, "price": price}
        )


def _errors(html: str) -> str:
    """The text of every error list on the page."""
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S))


def _input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _field_block(html: str, name: str) -> str:
    """The `.field` wrapper around the input named `name`, with its errors."""
    at = html.index(f'name="{name}"')
    start = max(html.rindex('<div class="field', 0, at), html.rfind('<td class="field', 0, at))
    ends = [i for i in (html.find(m, at) for m in ('class="field', "form-actions")) if i > 0]
    return html[start : min(ends)]


@pytest.fixture
def ann(world: World) -> Customer:
    return make_customer(world.org_a, "Ann", "Lee", email="ann@a.test")


@pytest.fixture
def staff(world: World, client_for: Any) -> Client:
    return client_for(world.staff_a)


# ------------------------------------------------------------------ the profile and overview


def test_profile_offers_the_history_tabs_and_record_buttons(
    world: World, ann: Customer, staff: Client, client_for: Any
) -> None:
    page = staff.get(f"/customers/{ann.pk}/").content.decode()
    for name in ("overview", "visits", "orders", "invoices"):
        assert f'hx-get="/customers/{ann.pk}/{name}/"' in page
        assert f'aria-controls="{name}"' in page
    assert "chart.umd.min.js" in page
    assert f'href="/customers/{ann.pk}/visits/new/"' in page

    # The list offers the figures as columns and filters (history.columns, history.filters).
    listing = staff.get("/customers/").content.decode()
    for name in ("spent_min", "visits_min", "lapsed", "balance_min", "period_from"):
        assert f'name="{name}"' in listing, name
    for label in ("Total spent", "Visits 12 months", "Next visit expected", "Outstanding"):
        assert label in listing, label

    readonly = client_for(world.readonly_a)
    page = readonly.get(f"/customers/{ann.pk}/").content.decode()
    assert f'hx-get="/customers/{ann.pk}/overview/"' in page
    assert "/visits/new/" not in page


def test_overview_shows_the_figures_favourites_and_chart_numbers(
    world: World, ann: Customer, staff: Client
) -> None:
    cut = _service(world, "Cut and blow-dry", "55.00")
    colour = _service(world, "Colour")
    with tenant_scope(world.org_a):
        world.loc_a2.refresh_from_db()
    _visit(
        world,
        ann,
        starts_at=_ago(world, 70),
        amount="55.00",
        service_ids=[cut.pk],
        location_id=world.loc_a2.pk,
    )
    _visit(
        world,
        ann,
        starts_at=_ago(world, 40),
        amount="80.00",
        discount="10.00",
        service_ids=[cut.pk, colour.pk],
        location_id=world.loc_a2.pk,
    )
    _visit(
        world,
        ann,
        starts_at=_ago(world, 10),
        amount="55.00",
        service_ids=[cut.pk],
        location_id=world.loc_a1.pk,
    )
    _visit(world, ann, starts_at=_ago(world, 5), amount="99.00", status="no_show")
    _order(world, ann, ordered_at=_ago(world, 10), amount="24.50")
    _invoice(
        world,
        ann,
        issued_on=str(org_today(world.org_a)),
        due_on=str(org_today(world.org_a)),
        amount="100.00",
    )

    response = staff.get(f"/customers/{ann.pk}/overview/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the panel alone, for htmx
    assert re.search(r'data-figure="total_spent">204\.50 ', html)  # 55 + 70 + 55 + 24.50
    assert 'data-figure="visit_count">3<' in html
    assert re.search(r'data-figure="avg_ticket">51\.13 ', html)
    assert re.search(r'data-figure="outstanding_balance">100\.00 ', html)
    assert 'data-figure="avg_interval_days">30 days<' in html
    assert re.search(r'data-figure="favourite_location">Alpha South ', html)
    assert re.search(r'data-figure="favourite_services">Cut and blow-dry <[^>]*>\(3\)', html)
    # The chart's numbers: 24 months, as JSON for the chart and as text for people.
    data = json.loads(
        re.search(
            r'<script id="history-chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert len(data["labels"]) == len(data["visits"]) == len(data["spent"]) == 24
    assert sum(data["visits"]) == 3
    assert sum(Decimal(s) for s in data["spent"]) == Decimal("204.50")
    assert data["labels"][-1] == org_today(world.org_a).strftime("%b %Y")
    assert "3 completed visits in" in html
    assert '<th scope="row">' + org_today(world.org_a).strftime("%B %Y") + "</th>" in html

    page = staff.get(f"/customers/{ann.pk}/overview/")  # without htmx: a page of its own
    assert b"<html" in page.content and b"history-chart-data" in page.content


def test_tabs_are_paged_and_sorted_by_date_and_amount(
    world: World, ann: Customer, staff: Client
) -> None:
    for i in range(23):
        _visit(world, ann, starts_at=_ago(world, 100 - i), amount=f"{10 + (i * 7) % 23}.00")
    html = staff.get(f"/customers/{ann.pk}/visits/", **HTMX).content.decode()
    assert html.count('<tr id="visit-') == 20
    assert "1–20 of 23" in html
    assert f'hx-get="/customers/{ann.pk}/visits/?sort=-date&amp;page=2"' in html
    assert 'aria-sort="descending"' in html  # the latest first
    page2 = staff.get(f"/customers/{ann.pk}/visits/?sort=-date&page=2", **HTMX).content.decode()
    assert page2.count('<tr id="visit-') == 3

    by_amount = staff.get(f"/customers/{ann.pk}/visits/?sort=amount", **HTMX).content.decode()
    shown = [Decimal(a) for a in re.findall(r'<td class="num">([\d.,]+)</td>', by_amount)]
    assert len(shown) == 20
    assert shown == sorted(shown) and shown[0] == Decimal("10.00")

    _order(world, ann, ordered_at=_ago(world, 3), amount="5.00")
    _order(world, ann, ordered_at=_ago(world, 2), amount="50.00")
    orders = staff.get(f"/customers/{ann.pk}/orders/?sort=-amount", **HTMX).content.decode()
    assert orders.index("50.00") < orders.index("5.00<")
    _invoice(world, ann, issued_on="2026-01-05", due_on="2026-01-20", amount="20.00")
    invoices = staff.get(f"/customers/{ann.pk}/invoices/?sort=due", **HTMX).content.decode()
    assert "Overdue" in invoices or "Open" in invoices
    # Without htmx each tab is a page of its own, with a way back.
    assert b"Back to the profile" in staff.get(f"/customers/{ann.pk}/orders/").content


# ------------------------------------------------------------------ visits


def _visit_form(world: World, **over: Any) -> dict[str, Any]:
    return {
        "starts_at": _ago(world, 0, 9),
        "status": "completed",
        "location_id": str(world.loc_a1.pk),
        "staff_id": str(world.staff_a.user.pk),
        "amount": "60.00",
        "discount": "",
        "note": "Fringe trim",
        **over,
    }


def test_record_edit_and_delete_a_visit(world: World, ann: Customer, staff: Client) -> None:
    cut = _service(world, "Cut", "40.00")
    form = staff.get(f"/customers/{ann.pk}/visits/new/")
    assert form.status_code == 200
    assert b'type="datetime-local"' in form.content and b"Cut" in form.content

    response = staff.post(
        f"/customers/{ann.pk}/visits/new/", _visit_form(world, service_ids=[str(cut.pk)])
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{ann.pk}/#visits"
    with tenant_scope(world.org_a):
        visit = Visit.objects.get(customer=ann)
        assert [s.name for s in visit.services.all()] == ["Cut"]
        assert visit.staff_id == world.staff_a.user.pk
    assert visit.local_day == org_today(world.org_a)
    assert (_fresh(ann).total_spent, _fresh(ann).visit_count) == (Decimal("60.00"), 1)
    listed = staff.get(f"/customers/{ann.pk}/visits/", **HTMX).content.decode()
    assert "Fringe trim" in listed and "60.00" in listed

    edit = staff.get(f"/customers/{ann.pk}/visits/{visit.pk}/edit/").content.decode()
    assert _input_value(edit, "amount") == "60.00"
    assert _input_value(edit, "starts_at") == _ago(world, 0, 9)
    response = staff.post(
        f"/customers/{ann.pk}/visits/{visit.pk}/edit/",
        _visit_form(world, amount="70.00", discount="5.00", status="completed"),
    )
    assert response.status_code == 302
    assert _fresh(ann).total_spent == Decimal("65.00")

    confirm = staff.get(f"/customers/{ann.pk}/visits/{visit.pk}/delete/")
    assert confirm.status_code == 200 and b"Delete visit" in confirm.content
    response = staff.post(f"/customers/{ann.pk}/visits/{visit.pk}/delete/")
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        assert not Visit.objects.filter(pk=visit.pk).exists()
    assert (_fresh(ann).total_spent, _fresh(ann).visit_count) == (Decimal("0.00"), 0)


def test_visit_errors_name_the_field_and_keep_the_input(
    world: World, ann: Customer, staff: Client
) -> None:
    url = f"/customers/{ann.pk}/visits/new/"
    html = staff.post(url, _visit_form(world, amount="12,5x", note="Keep me")).content.decode()
    assert "Enter an amount" in _field_block(html, "amount")
    assert _input_value(html, "amount") == "12,5x"
    assert "Keep me" in html
    html = staff.post(url, _visit_form(world, amount="20.00", discount="25.00")).content.decode()
    assert "The discount is more than the amount." in _field_block(html, "discount")
    html = staff.post(url, _visit_form(world, starts_at="tomorrow-ish")).content.decode()
    assert "Enter a date and time" in _field_block(html, "starts_at")
    assert _input_value(html, "starts_at") == "tomorrow-ish"
    html = staff.post(url, _visit_form(world, status="vanished")).content.decode()
    assert "vanished is not one of the available choices" in _errors(html)
    with tenant_scope(world.org_a):
        assert not Visit.objects.exists()


# ------------------------------------------------------------------ orders and refunds


def _order_form(
    world: World, lines: list[tuple[str, str, str, str]], **over: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": "",
        "ordered_at": _ago(world, 1, 15),
        "location_id": "",
        "payment_method": "card",
        "amount": "",
        "discount": "",
        "note": "",
        "line_count": str(max(len(lines), 3)),
        **over,
    }
    for i, (description, service, quantity, price) in enumerate(lines):
        data[f"line-{i}-description"] = description
        data[f"line-{i}-service_id"] = service
        data[f"line-{i}-quantity"] = quantity
        data[f"line-{i}-unit_price"] = price
    return data


def test_record_an_order_with_lines_edit_refund_and_delete(
    world: World, ann: Customer, staff: Client
) -> None:
    shampoo = _service(world, "Shampoo bar", "12.00")
    url = f"/customers/{ann.pk}/orders/new/"
    page = staff.get(url).content.decode()
    assert page.count('name="line-') == 3 * 4  # three empty lines of four inputs

    # "Add a line" shows one more, keeping what was typed, and saves nothing.
    more = staff.post(url, _order_form(world, [("Comb", "", "1", "4.00")], add_line="1"))
    assert more.status_code == 200
    assert more.content.decode().count('name="line-') == 4 * 4
    assert _input_value(more.content.decode(), "line-0-description") == "Comb"

    data = _order_form(
        world,
        [("Comb", "", "2", "4.50"), ("", str(shampoo.pk), "1", ""), ("", "", "", "")],
        discount="1.00",
        number="S-100",
    )
    response = staff.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#orders")
    with tenant_scope(world.org_a):
        order = Order.objects.get(number="S-100")
        lines = list(order.lines.values_list("description", "amount"))
    assert lines == [("Comb", Decimal("9.00")), ("Shampoo bar", Decimal("12.00"))]
    assert (order.subtotal, order.total) == (Decimal("21.00"), Decimal("20.00"))
    assert _fresh(ann).total_spent == Decimal("20.00")

    # The same number again: the conflict lands on the number.
    again = staff.post(url, {**data, "note": "second"}).content.decode()
    assert "Order number S-100 is already used." in _field_block(again, "number")

    edit = f"/customers/{ann.pk}/orders/{order.pk}/edit/"
    assert _input_value(staff.get(edit).content.decode(), "line-1-description") == "Shampoo bar"
    response = staff.post(
        edit, _order_form(world, [("Comb", "", "3", "4.50")], number="S-100", discount="1.00")
    )
    assert response.status_code == 302
    assert _fresh(ann).total_spent == Decimal("12.50")

    # A refund of it: asked as a positive amount, recorded as a negative order.
    refund_url = f"{url}?refund_of={order.pk}"
    form = staff.get(refund_url).content.decode()
    assert "at most 12.50 is left to refund" in form
    assert 'name="line-' not in form
    too_much = staff.post(refund_url, _order_form(world, [], amount="20.00")).content.decode()
    assert "At most 12.50 of order S-100 is left to refund." in _field_block(too_much, "amount")
    assert _input_value(too_much, "amount") == "20.00"
    response = staff.post(refund_url, _order_form(world, [], amount="5.00", note="Broken comb"))
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        refund = Order.objects.get(refund_of=order)
    assert refund.total == Decimal("-5.00")
    assert _fresh(ann).total_spent == Decimal("7.50")
    listed = staff.get(f"/customers/{ann.pk}/orders/", **HTMX).content.decode()
    assert "Refund of S-100" in listed

    # The refunded order cannot go first; the refund can.
    blocked = staff.post(f"/customers/{ann.pk}/orders/{order.pk}/delete/")
    assert blocked.status_code == 409 and b"has refunds" in blocked.content
    assert b"Delete refund" in staff.get(f"/customers/{ann.pk}/orders/{refund.pk}/delete/").content
    assert staff.post(f"/customers/{ann.pk}/orders/{refund.pk}/delete/").status_code == 302
    assert staff.post(f"/customers/{ann.pk}/orders/{order.pk}/delete/").status_code == 302
    assert _fresh(ann).total_spent == Decimal("0.00")


def test_order_errors_land_on_their_line_and_keep_the_input(
    world: World, ann: Customer, staff: Client
) -> None:
    url = f"/customers/{ann.pk}/orders/new/"
    html = staff.post(
        url, _order_form(world, [("Comb", "", "1", "4.00"), ("Brush", "", "lots", "9.00")])
    ).content.decode()
    assert "Enter a quantity" in _field_block(html, "line-1-quantity")
    assert "Enter a quantity" not in _field_block(html, "line-0-quantity")
    assert _input_value(html, "line-1-quantity") == "lots"
    assert _input_value(html, "line-1-description") == "Brush"
    html = staff.post(url, _order_form(world, [], amount="")).content.decode()
    assert "Give the order's lines or its amount." in unescape(html)
    html = staff.post(url, _order_form(world, [], amount="10", discount="11")).content.decode()
    assert "The discount is more than" in _field_block(html, "discount")
    with tenant_scope(world.org_a):
        assert not Order.objects.exists()


# ------------------------------------------------------------------ invoices and payments


def test_invoice_payments_and_write_off(world: World, ann: Customer, staff: Client) -> None:
    today = org_today(world.org_a)
    url = f"/customers/{ann.pk}/invoices/new/"
    bad = staff.post(
        url,
        {
            "number": "",
            "issued_on": str(today),
            "due_on": str(today - timedelta(days=1)),
            "amount": "150.00",
            "location_id": "",
            "note": "Course",
        },
    ).content.decode()
    assert "The due date is before the issue date." in _field_block(bad, "due_on")
    assert _input_value(bad, "amount") == "150.00"
    response = staff.post(
        url,
        {
            "number": "INV-7",
            "issued_on": str(today),
            "due_on": str(today + timedelta(days=14)),
            "amount": "150.00",
            "location_id": "",
            "note": "Course",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#invoices")
    with tenant_scope(world.org_a):
        invoice = Invoice.objects.get(number="INV-7")
    assert _fresh(ann).outstanding_balance == Decimal("150.00")
    detail = f"/customers/{ann.pk}/invoices/{invoice.pk}/"
    page = staff.get(detail).content.decode()
    assert "INV-7" in page and "Open" in page and "Record a payment" in page

    pay = f"{detail}payments/new/"
    assert _input_value(staff.get(pay).content.decode(), "amount") == "150.00"
    over = staff.post(
        pay, {"paid_on": str(today), "amount": "200.00", "method": "cash", "note": ""}
    ).content.decode()
    assert "left to pay" in _field_block(over, "amount")
    response = staff.post(
        pay, {"paid_on": str(today), "amount": "100.00", "method": "cash", "note": ""}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert _fresh(ann).outstanding_balance == Decimal("50.00")
    assert "Part-paid" in staff.get(detail).content.decode()
    with tenant_scope(world.org_a):
        payment = Payment.objects.get(invoice=invoice)
    edit = f"{detail}payments/{payment.pk}/edit/"
    response = staff.post(
        edit, {"paid_on": str(today), "amount": "120.00", "method": "card", "note": "corrected"}
    )
    assert response.status_code == 302
    assert _fresh(ann).outstanding_balance == Decimal("30.00")

    # An invoice with payments is not deleted; it can be written off.
    blocked = staff.post(f"/customers/{ann.pk}/invoices/{invoice.pk}/delete/")
    assert blocked.status_code == 409 and b"delete them first" in blocked.content
    response = staff.post(
        f"/customers/{ann.pk}/invoices/{invoice.pk}/edit/",
        {
            "number": "INV-7",
            "issued_on": str(today),
            "due_on": str(today + timedelta(days=14)),
            "amount": "150.00",
            "location_id": "",
            "note": "Course",
            "written_off": "on",
        },
    )
    assert response.status_code == 302
    assert _fresh(ann).outstanding_balance == Decimal("0.00")
    page = staff.get(detail).content.decode()
    assert "Written off" in page and "Record a payment" not in page

    assert b"Delete payment" in staff.get(f"{detail}payments/{payment.pk}/delete/").content
    assert staff.post(f"{detail}payments/{payment.pk}/delete/").status_code == 302
    assert staff.post(f"/customers/{ann.pk}/invoices/{invoice.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        assert not Invoice.objects.exists()


# ------------------------------------------------------------------ rights


def _rows(world: World, customer: Customer) -> dict[str, int]:
    visit = _visit(world, customer, starts_at=_ago(world, 3), amount="10.00")
    order = _order(world, customer, ordered_at=_ago(world, 3), amount="10.00")
    invoice = _invoice(world, customer, issued_on="2026-01-01", due_on="2026-02-01", amount="9")
    with tenant_scope(world.org_a):
        payment = payment_record(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"invoice_id": invoice.pk, "paid_on": "2026-01-02", "amount": "1.00"},
        )
    return {"visit": visit.pk, "order": order.pk, "invoice": invoice.pk, "payment": payment.pk}


def _urls(customer_id: int, ids: dict[str, int]) -> tuple[list[str], list[str]]:
    """(read pages, write pages) of one customer's history."""
    c = f"/customers/{customer_id}"
    inv = f"{c}/invoices/{ids['invoice']}"
    reads = [f"{c}/overview/", f"{c}/visits/", f"{c}/orders/", f"{c}/invoices/", f"{inv}/"]
    writes = [
        f"{c}/visits/new/",
        f"{c}/visits/{ids['visit']}/edit/",
        f"{c}/visits/{ids['visit']}/delete/",
        f"{c}/orders/new/",
        f"{c}/orders/new/?refund_of={ids['order']}",
        f"{c}/orders/{ids['order']}/edit/",
        f"{c}/orders/{ids['order']}/delete/",
        f"{c}/invoices/new/",
        f"{inv}/edit/",
        f"{inv}/delete/",
        f"{inv}/payments/new/",
        f"{inv}/payments/{ids['payment']}/edit/",
        f"{inv}/payments/{ids['payment']}/delete/",
    ]
    return reads, writes


def _counts(world: World) -> tuple[int, ...]:
    with tenant_scope(world.org_a):
        return tuple(m.objects.count() for m in (Visit, Order, Invoice, Payment, Service))


def test_read_only_sees_the_history_but_cannot_record(
    world: World, ann: Customer, client_for: Any
) -> None:
    ids = _rows(world, ann)
    readonly = client_for(world.readonly_a)
    reads, writes = _urls(ann.pk, ids)
    for url in reads:
        response = readonly.get(url, **HTMX)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Record a" not in html and "/edit/" not in html and "/delete/" not in html, url
    before = _counts(world)
    for url in writes:
        assert readonly.get(url).status_code == 403, url
        assert readonly.post(url, {"amount": "1", "starts_at": _ago(world, 1)}).status_code == 403
    assert _counts(world) == before


def test_a_location_limited_member_meets_404_outside_their_locations(
    world: World, client_for: Any
) -> None:
    south = make_customer(world.org_a, "Sam", "South", locations=[world.loc_a2])
    north = make_customer(world.org_a, "Nia", "North", locations=[world.loc_a1])
    limited = client_for(world.limited_a)
    reads, writes = _urls(south.pk, _rows(world, south))
    before = _counts(world)
    for url in reads + writes:
        assert limited.get(url, **HTMX).status_code == 404, url
    for url in writes:
        assert limited.post(url, {"amount": "1"}).status_code == 404, url
    assert _counts(world) == before
    # Their own location's customer they may see and record for.
    assert limited.get(f"/customers/{north.pk}/overview/", **HTMX).status_code == 200
    response = limited.post(f"/customers/{north.pk}/visits/new/", _visit_form(world))
    assert response.status_code == 302
    # A row of one customer under another customer's address is not found either.
    own_reads, own_writes = _urls(north.pk, _rows(world, south))
    for url in own_reads[4:] + own_writes[1:3] + own_writes[4:7] + own_writes[8:]:
        assert limited.get(url).status_code == 404, url


def test_another_organization_meets_404(world: World, ann: Customer, client_for: Any) -> None:
    ids = _rows(world, ann)
    other = client_for(world.owner_b)
    reads, writes = _urls(ann.pk, ids)
    before = _counts(world)
    for url in reads + writes:
        assert other.get(url).status_code == 404, url
        assert other.post(url, {"amount": "1"}).status_code == 404, url
    assert _counts(world) == before


# ------------------------------------------------------------------ the services catalogue


def test_services_catalogue_for_managers(
    world: World, ann: Customer, client_for: Any, staff: Client
) -> None:
    manager = client_for(world.manager_a)
    assert b'href="/settings/services/"' in manager.get("/customers/").content
    assert b'href="/settings/services/"' not in staff.get("/customers/").content
    assert staff.get("/settings/services/").status_code == 403
    assert staff.post("/settings/services/new/", {"name": "Sneaky"}).status_code == 403

    empty = manager.get("/settings/services/").content.decode()
    assert "No services yet" in empty
    response = manager.post(
        "/settings/services/new/", {"name": "Beard trim", "duration_minutes": "20", "price": "18"}
    )
    assert response.status_code == 302
    twice = manager.post("/settings/services/new/", {"name": "beard TRIM", "price": "18"})
    assert "Another service has this name." in _field_block(twice.content.decode(), "name")
    assert _input_value(twice.content.decode(), "name") == "beard TRIM"
    price = manager.post("/settings/services/new/", {"name": "Shave", "price": "x1"})
    assert "Enter an amount" in _field_block(price.content.decode(), "price")
    bad = manager.post("/settings/services/new/", {"name": "Long", "duration_minutes": "9999"})
    assert "Enter 1 to 1,440 minutes." in _field_block(bad.content.decode(), "duration_minutes")
    assert _input_value(bad.content.decode(), "duration_minutes") == "9999"

    with tenant_scope(world.org_a):
        trim = Service.objects.get(name="Beard trim")
    listed = manager.get("/settings/services/").content.decode()
    assert "Beard trim" in listed and "20 min" in listed and "18.00" in listed
    response = manager.post(
        f"/settings/services/{trim.pk}/edit/",
        {"name": "Beard trim", "duration_minutes": "25", "price": "19.50", "active": "on"},
    )
    assert response.status_code == 302
    _visit(world, ann, starts_at=_ago(world, 1), amount="19.50", service_ids=[trim.pk])

    # Named by a visit: retired, not deleted; no longer offered on new visits.
    assert b"Delete or retire" in manager.get(f"/settings/services/{trim.pk}/delete/").content
    assert manager.post(f"/settings/services/{trim.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        trim.refresh_from_db()
    assert trim.active is False
    assert b"Beard trim" not in staff.get(f"/customers/{ann.pk}/visits/new/").content
    unused = _service(world, "Unused")
    assert manager.post(f"/settings/services/{unused.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        assert not Service.objects.filter(pk=unused.pk).exists()


# ------------------------------------------------------------------ garbage in, no 500

FIELDS = (
    *("starts_at", "status", "location_id", "staff_id", "service_ids", "amount", "discount"),
    *("note", "number", "ordered_at", "payment_method", "line_count", "line-0-description"),
    *("line-0-service_id", "line-0-quantity", "line-0-unit_price", "issued_on", "due_on"),
    *("written_off", "paid_on", "method", "name", "duration_minutes", "price", "active"),
)
GARBAGE: list[Any] = ["x" * 5000, "nul\x00byte", "-1", "99999999999999999999999999", "", ["a", "b"]]


@pytest.mark.parametrize("value", GARBAGE, ids=lambda v: repr(v)[:20])
def test_every_history_form_answers_garbage_with_its_errors(
    world: World, ann: Customer, client_for: Any, value: Any
) -> None:
    ids = _rows(world, ann)
    cut = _service(world, "Cut")
    _reads, writes = _urls(ann.pk, ids)
    forms = [u for u in writes if not u.endswith("/delete/")]
    forms += ["/settings/services/new/", f"/settings/services/{cut.pk}/edit/"]
    owner = client_for(world.owner_a)
    before = _counts(world)
    for url in forms:
        response = owner.post(url, dict.fromkeys(FIELDS, value))
        assert response.status_code == 200, (url, response.status_code)
        assert b"errorlist" in response.content or b"message-error" in response.content, url
    assert _counts(world) == before
