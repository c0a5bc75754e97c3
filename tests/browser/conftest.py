"""Playwright (sync API) against pytest-django's live server, with Debian's Chromium.

Playwright's sync API keeps an asyncio loop running in the main thread while it is alive,
and Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation).
The test bodies only call the ORM between browser steps, never concurrently with them, so
the browser fixture allows that for its lifetime, and browser tests are moved to the end
of the run so that no other test ever runs beside a live Playwright loop.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """REGULARS_CHROMIUM, else the distribution's Chromium, else Playwright's own build."""
    for candidate in (os.environ.get("REGULARS_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: nothing else runs while the session's Playwright loop is alive."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """Makes fresh browser contexts (separate cookie jars); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Page:
    page: Page = new_context().new_page()
    return page


# --- Helpers the flows share ------------------------------------------------------------


def current_totp(device: TOTPDevice) -> str:
    """The code an authenticator app shows right now for this device."""
    device.refresh_from_db()
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Fills the login form the way a person does and submits it."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def expect_customers_list(page: Page, base_url: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/customers/") + r"(\?.*)?$"))
    expect(page.get_by_role("heading", level=1, name="Customers")).to_be_visible()


class WorkerThread(threading.Thread):
    """django_tasks_db's real worker loop, in a thread of the test process.

    On PostgreSQL (or file SQLite) the thread has its own connection, closed when it stops.
    An in-memory SQLite test database lives in a shared cache, where SQLite locks whole
    tables and a reader meeting a writer's open transaction fails at once ("database table
    is locked"; busy timeouts do not apply). So there the worker uses the connection the
    live server's threads share, and nothing can lock out anything else.
    """

    def __init__(self, live_server: Any) -> None:
        from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
        from django_tasks_db.management.commands.db_worker import Worker

        super().__init__(name="browser-test-db-worker", daemon=True)
        self.worker = Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=0.05,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-test-worker",
            excluded_queue_names=[],
        )
        self.shared = dict(live_server.thread.connections_override)
        self.error: BaseException | None = None

    def start(self) -> None:
        for conn in self.shared.values():
            conn.inc_thread_sharing()
        super().start()

    def run(self) -> None:
        for alias, conn in self.shared.items():
            connections[alias] = conn
        try:
            self.worker.run()
        except BaseException as exc:  # re-raised by stop()
            self.error = exc
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.alias not in self.shared:
                    conn.close()

    def stop(self) -> None:
        self.worker.running = False
        self.join(timeout=10)
        assert not self.is_alive(), "the worker thread did not stop"
        for conn in self.shared.values():
            conn.dec_thread_sharing()
        if self.error is not None:
            raise self.error
