"""The main flows in a real browser: two-factor login, inviting staff, refused writes, jobs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from regulars.accounts.models import Invitation, User
from regulars.customers.models import Customer
from regulars.jobs.models import Job, JobStatus
from regulars.tenancy.models import Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from tests.browser.conftest import (
    WorkerThread,
    current_totp,
    expect_customers_list,
    log_in,
)
from tests.conftest import Mailbox, World
from tests.factories import PASSWORD, confirmed_totp, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_logs_in_with_a_totp_code(world: World, live_server: Any, page: Page) -> None:
    owner = world.owner_a.user
    device = confirmed_totp(owner)

    log_in(page, live_server.url, owner.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/accounts/verify/\?next=%2F$"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("6-digit code").fill(current_totp(device))
    page.get_by_role("button", name="Verify").click()

    expect_customers_list(page, live_server.url)
    expect(page.locator(".user-menu")).to_contain_text("owner")
    # The gate is passed for the whole session, not just one page.
    page.goto(f"{live_server.url}/settings/staff/")
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()


def test_owner_invites_staff_who_joins_and_logs_in_again(
    world: World, live_server: Any, new_context: Any, smtp_server: Mailbox, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    owner = world.owner_a.user
    device = confirmed_totp(owner)
    page = new_context().new_page()
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.get_by_label("6-digit code").fill(current_totp(device))
    page.get_by_role("button", name="Verify").click()
    expect_customers_list(page, live_server.url)

    # Settings → Staff → Invite someone, then the form with the keyboard only.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()
    invite_link = page.get_by_role("link", name="Invite someone")
    invite_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Invite someone")).to_be_visible()

    page.get_by_label("Email").focus()
    page.keyboard.type("new.hire@example.test")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Role")).to_be_focused()
    page.keyboard.press("End")  # the last role: Read-only
    page.keyboard.press("ArrowUp")  # … one up: Staff
    expect(page.get_by_label("Role")).to_have_value(Role.STAFF)
    page.keyboard.press("Tab")
    expect(page.get_by_label("All locations")).to_be_focused()
    expect(page.get_by_label("All locations")).to_be_checked()
    page.get_by_label("Email").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Invitation sent to new.hire@example.test.")).to_be_visible()
    expect(page.get_by_role("cell", name="new.hire@example.test")).to_be_visible()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "new.hire@example.test"
    assert message["Subject"] == "You are invited to Alpha Hair on Regulars"
    body = smtp_server.body(message)
    match = re.search(re.escape(live_server.url) + r"/accounts/invite/([\w-]+)/", body)
    assert match, body
    link = match.group(0)
    assert "as Staff" in body

    # The invitee, in a browser of their own.
    invitee = new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Alpha Hair")).to_be_visible()
    invitee.get_by_label("Your name").fill("Nina Newhire")
    invitee.get_by_label(re.compile(r"^Password:?$")).fill("plum tomatoes 42 ways")
    invitee.get_by_label("Password again").fill("plum tomatoes 42 ways")
    invitee.get_by_role("button", name="Set password and join").click()

    expect_customers_list(invitee, live_server.url)
    expect(invitee.get_by_text("Welcome to Alpha Hair.")).to_be_visible()
    expect(invitee.locator(".user-menu")).to_contain_text("Nina Newhire")

    user = User.objects.get(email="new.hire@example.test")
    assert user.name == "Nina Newhire"
    with tenant_scope(world.org_a):
        membership = StaffMembership.objects.get(user=user)
        assert membership.role == Role.STAFF
        assert Invitation.objects.get(email=user.email).accepted_at is not None

    # The link worked once.
    again = new_context().new_page()
    response = again.goto(link)
    assert response is not None
    assert response.status == 404
    expect(again.get_by_role("heading", name="This link doesn't work any more")).to_be_visible()

    # Log out, then in again with the new password.
    invitee.get_by_role("button", name="Log out").click()
    expect(invitee).to_have_url(re.compile(r"/accounts/login/"))
    invitee.goto(f"{live_server.url}/customers/")
    expect(invitee).to_have_url(re.compile(r"/accounts/login/\?next=/customers/"))
    log_in(invitee, live_server.url, "new.hire@example.test", "plum tomatoes 42 ways")
    expect_customers_list(invitee, live_server.url)
    expect(invitee.locator(".user-menu")).to_contain_text("Nina Newhire")


def _post_from_page(page: Page, url: str, data: dict[str, str]) -> dict[str, Any]:
    """A same-origin form POST with the page's CSRF token, as a script on the page would."""
    result: dict[str, Any] = page.evaluate(
        """async ([url, data]) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch(url, {
                method: "POST",
                headers: {"X-CSRFToken": token},
                body: new URLSearchParams(data),
                redirect: "manual",
            });
            return {status: response.status, text: await response.text()};
        }""",
        [url, data],
    )
    return result


def test_read_only_user_is_refused_writes(world: World, live_server: Any, page: Page) -> None:
    customer = make_customer(world.org_a, "Alice", "Everywhere", email="alice@a.test")
    reader = world.readonly_a.user
    log_in(page, live_server.url, reader.email, PASSWORD)
    expect_customers_list(page, live_server.url)
    expect(page.get_by_role("link", name="Add customer")).to_have_count(0)
    expect(page.locator("summary", has_text="Add sample customers")).to_have_count(0)

    response = page.goto(f"{live_server.url}/customers/new/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can't do that here")).to_be_visible()

    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    expect(page.get_by_role("heading", level=1, name="Alice Everywhere")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)

    base = live_server.url
    create = _post_from_page(page, f"{base}/customers/new/", {"first_name": "Mallory"})
    edit = _post_from_page(page, f"{base}/customers/{customer.pk}/edit/", {"first_name": "Changed"})
    delete = _post_from_page(page, f"{base}/customers/{customer.pk}/delete/", {})
    sample = _post_from_page(page, f"{base}/customers/sample/", {"count": "5"})
    for result in (create, edit, delete, sample):
        assert result["status"] == 403, result
        assert "You can't do that here" in result["text"]

    with tenant_scope(world.org_a):
        assert list(Customer.objects.values_list("first_name", flat=True)) == ["Alice"]
        assert Job.objects.count() == 0


RECORD_PROGRESS = """
window.__swaps = [];
document.addEventListener("htmx:afterSettle", (event) => {
    const percent = document.querySelector('[data-testid="job-percent"]');
    const status = document.querySelector(".job-status .badge");
    window.__swaps.push({
        percent: percent ? percent.textContent.trim() : null,
        status: status ? status.textContent.trim() : null,
    });
});
"""


def test_a_job_started_from_a_page_shows_progress_until_finished(
    world: World,
    live_server: Any,
    page: Page,
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOB_TEST_UNIT_DELAY = 0.25
    manager = world.manager_a.user
    page.add_init_script(RECORD_PROGRESS)
    log_in(page, live_server.url, manager.email, PASSWORD)
    expect_customers_list(page, live_server.url)

    page.locator("summary", has_text="Add sample customers").click()
    page.get_by_label("How many sample customers").fill("400")
    page.get_by_role("button", name="Start").click()

    # No worker yet: the job waits in the queue and the page says so.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1, name="Add sample customers")).to_be_visible()
    expect(page.locator(".job-status .badge")).to_have_text("Queued")
    page.evaluate("window.__same_document = true")

    worker = WorkerThread(live_server)
    worker.start()
    try:
        expect(page.locator(".job-status .badge")).to_have_text("Finished", timeout=20_000)
    finally:
        worker.stop()

    expect(page.get_by_test_id("job-percent")).to_have_text("100 %")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(".job-status")).to_contain_text("400 sample customers added.")
    # The page updated in place through htmx polling, never by reloading.
    assert page.evaluate("window.__same_document") is True
    swaps = page.evaluate("window.__swaps")
    percents = [int(s["percent"].rstrip(" %")) for s in swaps if s["percent"]]
    assert any(0 < p < 100 for p in percents), swaps
    assert percents == sorted(percents), swaps
    assert percents[-1] == 100
    assert swaps[-1]["status"] == "Finished"
    # Finished jobs stop polling.
    expect(page.locator(".job-status")).not_to_have_attribute("hx-trigger", re.compile("."))

    job = Job.unscoped.get()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (8, 8)
    assert job.requester == manager
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 400
