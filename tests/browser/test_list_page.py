"""The customer list in a real browser, by keyboard where a person would use it: filters,
sorting, the Columns panel, saved views, the bulk bar, and the exact count arriving."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from regulars.customers import list_views, services
from regulars.customers.categories import category_create
from regulars.customers.models import Customer
from regulars.lists.list_state import column_setting_get
from regulars.lists.models import SavedView
from regulars.tenancy.scope import tenant_scope
from tests.browser.test_customer_flows import _logged_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Ada", "Archer", "Leeds", "female", "ada@example.com"),
    ("Bea", "Baker", "Leeds", "female", "bea@example.com"),
    ("Cat", "Cooper", "Leeds", "female", "cat@example.com"),
    ("Dan", "Dyer", "Leeds", "male", "dan@example.com"),
    ("Eve", "Evans", "York", "female", "eve@example.com"),
    ("Fay", "Fisher", "York", "female", "fay@example.com"),
    ("Gus", "Green", "York", "male", "gus@example.com"),
    ("Hal", "Hunter", "Hull", "male", "hal@example.com"),
]


def _press(locator: Locator, key: str = "Enter") -> None:
    """Moves the focus to a control and uses it from the keyboard."""
    locator.focus()
    locator.press(key)


def _headers(page: Page) -> list[str]:
    cells = page.locator("#rows thead th:not(.select-col)")
    return [re.sub(r"[↑↓]", "", t).strip() for t in cells.all_text_contents()]


def _names(page: Page) -> list[str]:
    return page.locator("#rows tbody td.col-name > a").all_inner_texts()


def test_filter_sort_columns_views_and_bulk_by_keyboard(
    world: World, live_server: Any, new_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "INLINE_COUNT_MAX", 3)  # so the count comes by htmx
    with tenant_scope(world.org_a):
        for first, last, city, gender, email in PEOPLE:
            services.customer_create(
                org=world.org_a,
                actor=world.owner_a.actor,
                data={
                    "first_name": first,
                    "last_name": last,
                    "city": city,
                    "gender": gender,
                    "email": email,
                },
            )
        vip = category_create(
            org=world.org_a, actor=world.owner_a.actor, data={"name": "VIP", "colour": "#7c3aed"}
        )
    page = _logged_in(new_context, live_server, world.staff_a)

    # The page shows at once; the exact count arrives after it, for the bulk bar too.
    expect(page.locator("#count-number")).to_have_text("8 customers")
    expect(page.locator("#bulk-count")).to_have_text("8")

    # Two filters from the panel: chips appear and the rows narrow.
    _press(page.locator("details.filters > summary"))
    panel = page.locator("details.filters")
    panel.get_by_label("City").fill("Leeds")
    _press(panel.get_by_role("checkbox", name="Female"), " ")
    _press(panel.get_by_role("button", name="Apply filters"))
    chips = page.locator(".filter-chips li")
    expect(chips).to_have_count(2)
    expect(chips.first).to_contain_text("in Leeds")
    expect(chips.nth(1)).to_contain_text("female")
    expect(page.locator("#rows tbody tr")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"city=Leeds"))

    # Sort by a column, then the other way.
    _press(page.locator("#rows thead").get_by_role("link", name="Email"))
    expect(page.locator("#rows th[aria-sort=ascending]")).to_contain_text("Email")
    assert _names(page) == ["Ada Archer", "Bea Baker", "Cat Cooper"]
    _press(page.locator("#rows thead").get_by_role("link", name="Email"))
    expect(page.locator("#rows th[aria-sort=descending]")).to_contain_text("Email")
    assert _names(page) == ["Cat Cooper", "Bea Baker", "Ada Archer"]
    expect(chips).to_have_count(2)  # sorting keeps the filters

    # Columns: hide Mobile, move Email up, lock two, save; a reload keeps them.
    assert _headers(page) == ["Name", "Account", "Email", "Mobile", "Categories", "Added"]
    _press(page.locator("#columns-panel > summary"))
    columns = page.locator("#columns-panel")
    expect(columns.get_by_role("button", name="Save columns")).to_be_visible()
    _press(columns.get_by_role("checkbox", name="Mobile"), " ")
    _press(columns.get_by_role("button", name="Move Email up"))
    offered = columns.get_by_role("checkbox").count()  # every column of the registry
    assert offered >= 26
    expect(columns.locator("[data-move-status]")).to_have_text(
        f"Email moved to position 2 of {offered}."
    )
    expect(columns.get_by_role("button", name="Move Email up")).to_be_focused()
    columns.get_by_label("Lock the first").select_option("2")
    _press(columns.get_by_role("button", name="Save columns"))
    expect(page.get_by_text("Columns saved.")).to_be_visible()
    wanted = ["Name", "Email", "Account", "Categories", "Added"]
    assert _headers(page) == wanted
    expect(chips).to_have_count(2)  # back to the same list
    page.reload()
    assert _headers(page) == wanted
    locked = page.locator("#rows thead th.locked:not(.select-col)")
    expect(locked).to_have_count(2)
    with tenant_scope(world.org_a):
        setting = column_setting_get(org=world.org_a, actor=world.staff_a.actor)
    assert (setting.columns, setting.locked) == (
        ["name", "email", "account_number", "categories", "created_at"],
        2,
    )
    # Locked columns stay in place when the table scrolls sideways.
    page.set_viewport_size({"width": 1000, "height": 900})  # wider than a phone
    first_row = page.locator("#rows tbody tr").first
    email, account = first_row.locator("td.col-email"), first_row.locator("td.col-account-number")

    def xs() -> tuple[float, float]:
        boxes = email.bounding_box(), account.bounding_box()
        assert boxes[0] is not None and boxes[1] is not None
        return boxes[0]["x"], boxes[1]["x"]

    before = xs()
    scrolled = page.locator("#rows .table-wrap").evaluate(
        "wrap => { wrap.scrollLeft = 300; return wrap.scrollLeft; }"
    )
    after = xs()
    assert scrolled > 20  # the table is wider than the page here
    assert abs(after[0] - before[0]) < 1  # Email is locked: it stays
    assert abs(after[1] - (before[1] - scrolled)) < 1  # Account scrolls
    page.set_viewport_size({"width": 1280, "height": 900})

    # Save this view, clear the filters, open the view: the filters are back.
    _press(page.locator("#views-menu > summary"))
    views = page.locator("#views-menu")
    views.get_by_label("Name").fill("Leeds women by email")
    views.get_by_label("Name").press("Enter")
    expect(page.get_by_text("View “Leeds women by email” saved.")).to_be_visible()
    expect(page.locator("#views-menu > summary")).to_have_text("View: Leeds women by email")
    expect(page.locator("details.filters")).to_have_attribute("open", "")  # filtering: open
    _press(page.locator("details.filters").get_by_role("link", name="Clear"))
    expect(chips).to_have_count(0)
    expect(page.locator("#count-number")).to_have_text("8 customers")
    _press(page.locator("#views-menu > summary"))
    _press(page.locator("#views-menu").get_by_role("link", name="Leeds women by email", exact=True))
    expect(chips).to_have_count(2)
    expect(page.locator("#rows tbody tr")).to_have_count(3)
    expect(page.locator("details.filters").get_by_label("City")).to_have_value("Leeds")
    assert _names(page) == ["Cat Cooper", "Bea Baker", "Ada Archer"]  # its sort too
    with tenant_scope(world.org_a):
        view = SavedView.objects.get(name="Leeds women by email")
    assert "city=Leeds" in view.query and "sort=-email" in view.query

    # Tick two rows; the bulk bar adds them to a category through the confirm page.
    _press(page.get_by_role("checkbox", name="Select Bea Baker"), " ")
    _press(page.get_by_role("checkbox", name="Select Ada Archer"), " ")
    page.get_by_label("With the selected customers").select_option("add_category")
    _press(page.get_by_role("button", name="Continue…"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Change 2 customers")
    page.get_by_label(re.compile(r"^Category:?$")).select_option(str(vip.pk))
    _press(page.get_by_role("button", name="Apply to 2 customers"))
    expect(page.get_by_text("Add to category: 2 changed, 0 unchanged, 0 skipped.")).to_be_visible()
    rows = page.locator("#rows tbody tr")
    expect(rows.filter(has_text="Ada Archer").locator(".chip")).to_have_text("VIP")
    expect(rows.filter(has_text="Bea Baker").locator(".chip")).to_have_text("VIP")
    expect(rows.filter(has_text="Cat Cooper").locator(".chip")).to_have_count(0)
    with tenant_scope(world.org_a):
        in_vip = sorted(
            Customer.objects.filter(categories=vip).values_list("first_name", flat=True)
        )
    assert in_vip == ["Ada", "Bea"]


def test_menus_close_with_escape_and_focus_returns(
    world: World, live_server: Any, new_context: Any
) -> None:
    page = _logged_in(new_context, live_server, world.staff_a)
    summary = page.locator("#columns-panel > summary")
    _press(summary)
    expect(page.locator("#columns-panel")).to_have_attribute("open", "")
    page.locator("#columns-panel").get_by_role("checkbox", name="Email", exact=True).focus()
    page.keyboard.press("Escape")
    expect(page.locator("#columns-panel")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    # Opening one menu closes the other.
    _press(page.locator("#views-menu > summary"))
    _press(summary)
    expect(page.locator("#views-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#columns-panel")).to_have_attribute("open", "")
