"""The customer record in a real browser: create with a note and a reminder, My reminders,
deactivate and reactivate, delete and restore, and two people editing one customer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from regulars.customers import services
from regulars.customers.models import Customer, CustomerStatus
from regulars.tenancy.scope import tenant_scope
from tests.browser.conftest import current_totp, expect_customers_list, log_in
from tests.conftest import Member, World
from tests.factories import PASSWORD, confirmed_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_in(new_context: Any, live_server: Any, member: Member) -> Page:
    page: Page = new_context().new_page()
    if member.membership.role == "owner":
        device = confirmed_totp(member.user)
        log_in(page, live_server.url, member.user.email, PASSWORD)
        page.get_by_label("6-digit code").fill(current_totp(device))
        page.get_by_role("button", name="Verify").click()
    else:
        log_in(page, live_server.url, member.user.email, PASSWORD)
    expect_customers_list(page, live_server.url)
    return page


def _customer(world: World, **data: Any) -> Customer:
    with tenant_scope(world.org_a):
        return services.customer_create(org=world.org_a, actor=world.owner_a.actor, data=data)


def _confirm(page: Page, button: str, typed: str | None = None) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    if typed:
        dialog.get_by_label(f"Type {typed} to confirm").fill(typed)
    dialog.get_by_role("button", name=button).click()


def test_create_a_customer_with_a_note_and_a_reminder_then_do_it(
    world: World, live_server: Any, new_context: Any
) -> None:
    page = _logged_in(new_context, live_server, world.staff_a)
    page.get_by_role("link", name="Add customer").first.click()
    page.get_by_label("First name").fill("Søren")
    page.get_by_label("Last name").fill("Kierkegaard")
    page.get_by_label("Mobile phone").fill("(415) 555-0123")
    page.get_by_label("Email").fill("soren@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Søren Kierkegaard")
    expect(page.get_by_role("link", name="+14155550123")).to_be_visible()

    page.get_by_role("tab", name=re.compile("Notes")).click()
    page.get_by_role("textbox", name="Note:").fill("Prefers the window seat.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .note-text")).to_have_text("Prefers the window seat.")

    page.get_by_role("tab", name=re.compile("Reminders")).click()
    reminders = page.locator("#reminders")
    reminders.get_by_label("Reminder").fill("Call about the spring offer")
    reminders.get_by_role("button", name="Add reminder").click()
    expect(page.locator("#reminders tr", has_text="Call about the spring offer")).to_be_visible()

    # Find the customer in the list by a fragment of the name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_label("Search").first.fill("kierk")
    expect(page.locator("#rows").get_by_role("link", name="Søren Kierkegaard")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reminders").click()
    row = page.locator("tr", has_text="Call about the spring offer")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Søren Kierkegaard")
    row.get_by_role("button", name="Done").click()
    expect(page.locator("tr", has_text="Call about the spring offer")).to_have_count(0)
    with tenant_scope(world.org_a):
        customer = Customer.objects.get(last_name="Kierkegaard")
        reminder = customer.reminders.get()
        note = customer.notes.get()
    assert reminder.done_at is not None
    assert note.text == "Prefers the window seat."


def test_deactivate_and_reactivate(world: World, live_server: Any, new_context: Any) -> None:
    customer = _customer(world, first_name="Dana", last_name="Dormant")
    page = _logged_in(new_context, live_server, world.manager_a)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.get_by_role("button", name="Deactivate").click()
    _confirm(page, "Deactivate")
    expect(page.locator(".status-banner")).to_contain_text("Deactivated")
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("#rows").get_by_role("link", name="Dana Dormant")).to_have_count(0)
    page.get_by_label("Show").select_option("deactivated")
    expect(page.locator("#rows").get_by_role("link", name="Dana Dormant")).to_be_visible()
    page.locator("#rows").get_by_role("link", name="Dana Dormant").click()
    page.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_text("is active again")).to_be_visible()
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


def test_owner_deletes_and_restores(world: World, live_server: Any, new_context: Any) -> None:
    customer = _customer(world, first_name="Remy", last_name="Restored", loyalty_card="RR-1")
    page = _logged_in(new_context, live_server, world.owner_a)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.get_by_role("button", name="Delete").click()
    _confirm(page, "Delete", typed="DELETE")
    expect_customers_list(page, live_server.url)
    expect(page.get_by_text("Remy Restored deleted")).to_be_visible()
    # Searching the card number tells that a deleted customer holds it.
    page.get_by_label("Search").first.fill("RR-1")
    page.get_by_label("Search").first.press("Enter")
    expect(page.get_by_text("A deleted customer holds this")).to_be_visible()
    page.get_by_role("link", name="Restore?").click()
    expect(page.get_by_role("heading", level=1, name="Deleted customers")).to_be_visible()
    page.locator("tr", has_text="Remy Restored").get_by_role("button", name="Restore").click()
    _confirm(page, "Restore")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remy Restored")
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_two_people_edit_the_same_customer(
    world: World, live_server: Any, new_context: Any
) -> None:
    customer = _customer(world, first_name="Casey", last_name="Clash", city="York")
    first = _logged_in(new_context, live_server, world.staff_a)
    second = _logged_in(new_context, live_server, world.manager_a)
    for page in (first, second):
        page.goto(f"{live_server.url}/customers/{customer.pk}/edit/")
    second.get_by_label("City").fill("Leeds")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_text("Saved.")).to_be_visible()

    first.get_by_label("City").fill("Hull")
    first.get_by_label("Company").fill("Clash Ltd")
    first.get_by_role("button", name="Save").click()
    conflict = first.locator("#conflict")
    expect(conflict).to_contain_text(f"Changed by {world.manager_a.user.email}")
    expect(conflict).to_contain_text("Leeds")
    expect(first.get_by_label("City")).to_have_value("Hull")  # what was typed stays
    expect(first.get_by_label("Company")).to_have_value("Clash Ltd")
    customer.refresh_from_db()
    assert customer.city == "Leeds"  # nothing of the second save was lost
    first.get_by_role("button", name="Save mine anyway").click()
    expect(first.get_by_text("Saved.")).to_be_visible()
    customer.refresh_from_db()
    assert (customer.city, customer.company, customer.version) == ("Hull", "Clash Ltd", 3)
