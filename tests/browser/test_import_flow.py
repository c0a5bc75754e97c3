"""An import in a real browser: the nav, the upload, the mapping, the check, the confirmation
(by keyboard), the result."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.browser.conftest import expect_customers_list, log_in
from tests.conftest import World
from tests.factories import PASSWORD, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir())  # /tmp/import-*.png: look at them after a change


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_upload_check_and_import_a_csv(
    world: World, live_server: Any, new_context: Any, tmp_path: Path
) -> None:
    make_customer(world.org_a, "Ann", "Old", email="ann@example.com")
    upload = tmp_path / "regulars-customers.csv"
    upload.write_bytes(
        _csv(
            [
                ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Birthday", "Notes"],
                ["Ann", "Newname", "ann@example.com", "", "", ""],
                ["Bob", "Brown", "bob@example.com", "+44 7700 900123", "1985-03-02", "Likes tea"],
                ["Cat", "Cole", "not-an-email", "", "", ""],
                ["Dan", "Day", "dan@example.com", "", "31/02/1990", ""],
                ["Eve", "Evans", "eve@example.com", "(415) 555-0199", "", ""],
            ]
        )
    )
    page: Page = new_context().new_page()
    log_in(page, live_server.url, world.manager_a.user.email, PASSWORD)
    expect_customers_list(page, live_server.url)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1, name="Import customers")).to_be_visible()
    page.get_by_label("File:", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()

    # The mapping: suggested targets chosen, first values shown.
    expect(page.get_by_role("button", name="Check file")).to_be_visible()
    expect(page.get_by_label("Column “E-mail Address” goes to")).to_have_value("email")
    expect(page.get_by_label("Column “Birthday” goes to")).to_have_value("date_of_birth")
    expect(page.get_by_text("not-an-email")).to_be_visible()
    page.screenshot(path=str(SHOTS / "import-mapping.png"), full_page=True)
    page.get_by_label("Column “Notes” goes to").select_option("ignore")
    page.get_by_role("button", name="Check file").click()

    # The review: the counts and the bad cells marked.
    expect(page.get_by_role("heading", name="What the import will do")).to_be_visible()
    page.screenshot(path=str(SHOTS / "import-reviewed.png"), full_page=True)
    expect(page.get_by_test_id("count-created").locator("dd")).to_have_text("2")
    expect(page.get_by_test_id("count-updated").locator("dd")).to_have_text("1")
    expect(page.get_by_test_id("count-rejected").locator("dd")).to_have_text("2")
    expect(page.locator("td.cell-error").first).to_be_visible()

    # The confirmation by keyboard: focus the action, Enter; the confirm button has focus.
    page.get_by_role("link", name=re.compile(r"Import 3 rows")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import 3 rows")
    confirm = page.get_by_role("button", name="Import 3 rows")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Imported", exact=False).first).to_be_visible()
    expect(page.get_by_test_id("count-created").locator("dd")).to_have_text("2")
    expect(page.locator("table").get_by_text("Created").first).to_be_visible()
    expect(page.get_by_role("link", name="Download rejected rows (CSV)")).to_be_visible()
    page.screenshot(path=str(SHOTS / "import-done.png"), full_page=True)
    page.get_by_role("link", name="All imports").click()
    expect(page.get_by_role("link", name="regulars-customers.csv")).to_be_visible()
    page.screenshot(path=str(SHOTS / "import-list.png"), full_page=True)
    page.get_by_role("link", name="How importing works").first.click()
    expect(page.get_by_role("heading", level=1, name="How importing works")).to_be_visible()
    page.screenshot(path=str(SHOTS / "import-help.png"), full_page=True)
    with tenant_scope(world.org_a):
        assert Customer.objects.filter(email="bob@example.com").count() == 1
        assert Customer.objects.get(email="ann@example.com").last_name == "Newname"
