"""An export in a real browser: from the filtered list, by keyboard, progress while a real
worker makes the file, the download, then the owner's data log showing it."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import DataLogEntry, DataLogEvent
from tests.browser.conftest import WorkerThread, current_totp, expect_customers_list, log_in
from tests.conftest import World
from tests.factories import PASSWORD, confirmed_totp, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir())  # /tmp/export-*.png: look at them after a change


def test_export_a_filtered_list_to_xlsx_and_find_it_in_the_data_log(
    world: World, live_server: Any, new_context: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(30):
        make_customer(world.org_a, f"Leeds{n:02d}", "Person", city="Leeds")
    make_customer(world.org_a, "Yolanda", "York", city="York")
    page: Page = new_context().new_page()
    log_in(page, live_server.url, world.manager_a.user.email, PASSWORD)
    expect_customers_list(page, live_server.url)
    page.goto(f"{live_server.url}/customers/?city=Leeds")

    export_link = page.get_by_role("link", name="Export", exact=True)
    export_link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Export customers")).to_be_visible()
    expect(page.get_by_test_id("export-count")).to_have_text("30 customers")
    page.get_by_label("Excel (XLSX)").focus()
    page.keyboard.press("Space")
    page.get_by_label("City", exact=True).focus()
    page.keyboard.press("Space")
    page.screenshot(path=str(SHOTS / "export-form.png"), full_page=True)
    page.get_by_role("button", name="Export", exact=True).focus()
    page.keyboard.press("Enter")

    # No worker yet: the export waits, and its row says so with a progress bar.
    expect(page.get_by_role("heading", level=1, name="My exports")).to_be_visible()
    row = page.locator(".exports-table tbody tr").first
    expect(row).to_contain_text("Preparing")
    expect(row.get_by_role("progressbar")).to_be_visible()
    page.screenshot(path=str(SHOTS / "export-preparing.png"), full_page=True)
    worker = WorkerThread(live_server)
    worker.start()
    try:
        expect(row).to_contain_text("Ready", timeout=20_000)
    finally:
        worker.stop()
    page.screenshot(path=str(SHOTS / "export-ready.png"), full_page=True)

    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert re.fullmatch(r"customers-\d{8}-\d{4}-\d+\.xlsx", download.suggested_filename)
    content = Path(download.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "City"
    assert len(rows) == 31
    assert {r[-1] for r in rows[1:]} == {"Leeds"}
    with tenant_scope(world.org_a):
        events = list(DataLogEntry.objects.order_by("id").values_list("event", "row_count"))
    assert events == [
        (DataLogEvent.REQUESTED, None),
        (DataLogEvent.EXPORTED, 30),
        (DataLogEvent.DOWNLOADED, None),
    ]

    owner_page: Page = new_context().new_page()
    device = confirmed_totp(world.owner_a.user)
    log_in(owner_page, live_server.url, world.owner_a.user.email, PASSWORD)
    owner_page.get_by_label("6-digit code").fill(current_totp(device))
    owner_page.get_by_role("button", name="Verify").click()
    owner_page.get_by_role("navigation", name="Main").get_by_role("link", name="Data log").click()
    expect(owner_page.get_by_role("heading", level=1, name="Data log")).to_be_visible()
    table = owner_page.locator(".data-log-table")
    expect(table).to_contain_text("Downloaded")
    expect(table).to_contain_text("Exported")
    expect(table).to_contain_text("Leeds")
    owner_page.screenshot(path=str(SHOTS / "export-data-log.png"), full_page=True)
