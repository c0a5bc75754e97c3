"""Full-page screenshots of every page, from a fresh demo install, into ./screenshots/.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--keep-data]

Starts from empty temporary data folders (SQLite), runs `regulars demo --customers 300`,
serves it with `regulars serve` (gunicorn) and a `regulars worker` on free ports, logs in
as the demo owner with Playwright (setting up two-factor sign-in as a new owner must) and
saves one PNG per page. A second, empty data folder gives the first-run page. Everything
is shut down at the end. Uses Debian's Chromium (/usr/bin/chromium, or REGULARS_CHROMIUM).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


# --- Two-factor codes (RFC 6238, as an authenticator app computes them) -----------------


def totp(secret_b32: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


# --- Processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def regulars_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "EMAIL_URL", "STATIC_ROOT", "DEBUG"}
    }
    env.update(
        REGULARS_DATA_DIR=str(data_dir),
        SITE_URL=f"http://127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="WARNING",
    )
    return env


def regulars(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "regulars"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"regulars {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The server stopped (exit {process.returncode}); see its log.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout:.0f} s.")


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "regulars"), *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def server(data_dir: Path, log_dir: Path, *, worker: bool) -> Iterator[str]:
    port = free_port()
    env = regulars_env(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    with running(["serve", "--port", str(port)], env, log_dir / f"serve-{port}.log") as web:
        wait_for(f"{base}/health", web)
        if not worker:
            yield base
            return
        # Slow units, so the job page can be caught while the job runs.
        worker_env = {**env, "REGULARS_JOB_TEST_UNIT_DELAY": "0.6"}
        with running(["worker", "--interval", "0.2"], worker_env, log_dir / "worker.log"):
            yield base


# --- Pages --------------------------------------------------------------------------------


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.taken: list[str] = []

    def __call__(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")  # a sticky header would show mid-page otherwise
        page.mouse.move(0, 0)  # no hover highlight on whatever was clicked last
        path = self.out / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path.name)
        print(f"  {path.name:<34} {page.url}")


def submit(page: Page, button: str) -> None:
    page.locator("main").get_by_role("button", name=button).click()
    page.wait_for_load_state()


def demo_pages(browser: Browser, base: str, data_dir: Path, shoot: Shooter) -> None:
    logins = {
        login["role"]: login for login in json.loads((data_dir / "demo-logins.json").read_text())
    }
    owner = logins["owner"]

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    shoot(page, "login")
    page.get_by_label("Email").fill(owner["email"])
    page.get_by_label("Password").fill(owner["password"])
    page.locator("main").get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    shoot(page, "2fa-setup")

    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("6-digit code").fill(totp(secret))
    submit(page, "Turn on")
    page.wait_for_url(re.compile(r"/customers/"))

    # Log out and in again for the second step. The code of the next time step is
    # accepted (one step of tolerance) and was never used, so nothing has to wait.
    page.locator(".user-menu").get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(owner["email"])
    page.get_by_label("Password").fill(owner["password"])
    submit(page, "Log in")
    page.wait_for_url(re.compile(r"/accounts/verify/"))
    shoot(page, "verify")
    page.get_by_label("6-digit code").fill(totp(secret, at=time.time() + 30))
    submit(page, "Verify")
    page.wait_for_url(re.compile(r"/customers/"))
    shoot(page, "customers-list")

    page.goto(f"{base}/customers/?q=an&sort=-created")
    shoot(page, "customers-search")
    list_pages(page, base, shoot)
    page.goto(f"{base}/customers/")
    page.locator("#rows tbody a").first.click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    shoot(page, "customer-detail")
    customer_url = page.url
    page.locator("main").get_by_role("button", name="Delete").click()
    expect(page.locator("dialog.confirm")).to_be_visible()
    page.locator("dialog.confirm input").fill("DEL")
    shoot(page, "confirm-dialog")
    page.locator("dialog.confirm").get_by_role("button", name="Cancel").click()
    for tab in ("notes", "reminders", "consent", "changes"):
        page.goto(f"{customer_url}#{tab}")
        page.reload()
        shoot(page, f"customer-tab-{tab}")
    page.goto(f"{customer_url}edit/")
    shoot(page, "customer-edit")
    # A second tab saves first: this one then shows "changed by" beside what was typed.
    other = context.new_page()
    other.goto(f"{customer_url}edit/")
    other.get_by_label("City").fill("Hove")
    submit(other, "Save")
    other.close()
    page.get_by_label("City").fill("Worthing")
    submit(page, "Save")
    shoot(page, "customer-edit-conflict")
    page.goto(customer_url)
    page.locator("main").get_by_role("button", name="Deactivate").click()
    page.locator("dialog.confirm").get_by_role("button", name="Deactivate").click()
    page.wait_for_load_state()
    shoot(page, "customer-deactivated")
    page.goto(f"{base}/customers/?status=deactivated")
    shoot(page, "customers-deactivated")
    page.goto(customer_url)
    page.locator("main").get_by_role("button", name="Delete").click()
    page.locator("dialog.confirm input").fill("DELETE")
    page.locator("dialog.confirm").get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/customers/$"))
    page.goto(f"{base}/customers/deleted/")
    shoot(page, "customers-deleted")
    page.goto(f"{base}/reminders/")
    shoot(page, "my-reminders")
    page.goto(f"{base}/settings/custom-fields/")
    shoot(page, "custom-fields")
    page.get_by_role("link", name="Edit").first.click()
    shoot(page, "custom-field-edit")
    page.goto(f"{base}/customers/")
    page.locator("#rows tbody a").nth(1).click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer_url = page.url
    page.goto(f"{base}/customers/new/")
    page.get_by_label("Email").fill("not an email")
    submit(page, "Save")
    shoot(page, "customer-form-errors")
    page.goto(f"{base}/customers/new/")
    shoot(page, "customer-form")

    page.goto(f"{base}/customers/")
    page.locator("summary", has_text="Add sample customers").click()
    page.get_by_label("How many sample customers").fill("200")
    shoot(page, "customers-sample-open")
    submit(page, "Start")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator(".job-status .badge")).to_have_text("Running", timeout=20_000)
    expect(page.get_by_test_id("job-percent")).not_to_have_text("0 %", timeout=20_000)
    shoot(page, "job-running")
    expect(page.locator(".job-status .badge")).to_have_text("Finished", timeout=60_000)
    shoot(page, "job-finished")
    page.goto(f"{base}/jobs/")
    shoot(page, "jobs-list")

    page.goto(f"{base}/settings/")
    shoot(page, "organization")
    page.goto(f"{base}/settings/locations/")
    shoot(page, "locations-list")
    page.goto(f"{base}/settings/locations/new/")
    shoot(page, "location-form")
    page.goto(f"{base}/settings/locations/")
    page.get_by_role("link", name="Edit").first.click()
    shoot(page, "location-edit")

    page.goto(f"{base}/settings/staff/invite/")
    shoot(page, "invite-form")
    page.get_by_label("Email").fill("new.colleague@example.com")
    submit(page, "Send invitation")
    page.wait_for_url(re.compile(r"/settings/staff/$"))
    shoot(page, "staff-list")
    page.get_by_role("link", name="Edit").nth(1).click()
    shoot(page, "staff-edit")

    page.goto(f"{base}/settings/api-keys/")
    page.get_by_label("Name").fill("Till in the Harbour Street shop")
    submit(page, "Create key")
    expect(page.get_by_test_id("new-api-key")).to_be_visible()
    shoot(page, "api-keys-new-key")

    page.goto(f"{base}/settings/audit/")
    shoot(page, "audit-log")
    page.goto(f"{base}/accounts/2fa/")
    shoot(page, "security")
    page.goto(f"{base}/accounts/password/")
    shoot(page, "password-change")
    page.goto(f"{base}/customers/987654321/")
    shoot(page, "404")

    page.set_viewport_size(MOBILE)
    page.goto(f"{base}/customers/")
    shoot(page, "customers-list-mobile")
    page.goto(customer_url)
    shoot(page, "customer-detail-mobile")
    context.close()

    # The invitee's page, from the link in the email the file backend wrote.
    mails = sorted((data_dir / "mail").glob("*.log"))
    link = re.findall(r"http://\S+/accounts/invite/\S+/", mails[-1].read_text())[-1]
    invitee = browser.new_context(viewport=VIEWPORT).new_page()
    invitee.goto(link)
    shoot(invitee, "invitation-accept")
    invitee.context.close()

    # Logged out: reset pages and an unknown address.
    anonymous = browser.new_context(viewport=VIEWPORT).new_page()
    anonymous.goto(f"{base}/accounts/reset/")
    shoot(anonymous, "reset")
    anonymous.get_by_label("Email").fill(owner["email"])
    submit(anonymous, "Send the link")
    shoot(anonymous, "reset-sent")
    anonymous.goto(f"{base}/no-such-page/")
    shoot(anonymous, "404-logged-out")
    anonymous.set_viewport_size(MOBILE)
    anonymous.goto(f"{base}/accounts/login/")
    shoot(anonymous, "login-mobile")
    anonymous.context.close()

    # A read-only login meets the 403 page.
    reader = logins["readonly"]
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(reader["email"])
    page.get_by_label("Password").fill(reader["password"])
    submit(page, "Log in")
    page.wait_for_url(re.compile(r"/customers/"))
    response = page.goto(f"{base}/customers/new/")
    if response is None or response.status != 403:
        sys.exit(f"Expected the 403 page, got {response and response.status}.")
    shoot(page, "403")
    page.context.close()


def list_pages(page: Page, base: str, shoot: Shooter) -> None:
    """The list's Columns panel and Views menu, open; a saved view and its edit page."""
    page.goto(f"{base}/customers/")
    page.locator("#columns-panel > summary").click()
    columns = page.locator("#columns-panel")
    columns.get_by_role("checkbox", name="City").check()
    columns.get_by_role("button", name="Move Email up").click()
    shoot(page, "customers-columns-panel")
    columns.get_by_label("Lock the first").select_option("2")
    columns.get_by_role("button", name="Save columns").click()
    page.wait_for_load_state()
    page.goto(f"{base}/customers/?gender=female&sort=-created_at")
    for name, shared in (("Women, newest first", True), ("My morning calls", False)):
        page.locator("#views-menu > summary").click()
        menu = page.locator("#views-menu")
        menu.get_by_label("Name").fill(name)
        if shared:
            menu.get_by_label("Share with everyone in the organization").check()
        menu.get_by_role("button", name="Save view").click()
        page.wait_for_load_state()
    page.locator("details.filters").evaluate("panel => { panel.open = false; }")  # shorter
    page.locator("#views-menu > summary").click()
    shoot(page, "customers-views-menu")
    page.locator("#views-menu").get_by_role("link", name="Edit view Women, newest first").click()
    page.wait_for_url(re.compile(r"/customers/views/\d+/edit/"))
    shoot(page, "saved-view-edit")
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"{base}/customers/")
    page.locator("#rows .table-wrap").evaluate("wrap => { wrap.scrollLeft = 300; }")
    page.wait_for_load_state("networkidle")
    page.mouse.move(0, 0)
    path = shoot.out / f"{len(shoot.taken) + 1:02d}-customers-locked-scrolled.png"
    page.screenshot(path=str(path))  # the viewport: the table scrolled, two columns locked
    shoot.taken.append(path.name)
    page.set_viewport_size(VIEWPORT)
    # Back to the defaults, so the later pages look as a new member's would.
    page.goto(f"{base}/customers/")
    page.locator("#columns-panel > summary").click()
    columns.get_by_role("checkbox", name="City").uncheck()
    columns.get_by_role("button", name="Move Email down").click()
    columns.get_by_label("Lock the first").select_option("1")
    columns.get_by_role("button", name="Save columns").click()
    page.wait_for_load_state()


def first_run_page(browser: Browser, base: str, shoot: Shooter) -> None:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/setup/$"))
    shoot(page, "first-run")
    page.context.close()


def chromium_path() -> str | None:
    for candidate in (os.environ.get("REGULARS_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--keep-data", action="store_true", help="Keep the temp data folders.")
    options = parser.parse_args()

    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="regulars-screenshots-"))
    demo_dir, empty_dir = work / "demo", work / "empty"
    shoot = Shooter(out)
    try:
        print(f"Demo data in {demo_dir}")
        regulars("demo", "--customers", "300", env=regulars_env(demo_dir, 0))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            with server(demo_dir, work, worker=True) as base:
                demo_pages(browser, base, demo_dir, shoot)
            with server(empty_dir, work, worker=False) as base:
                first_run_page(browser, base, shoot)
            browser.close()
    finally:
        if options.keep_data:
            print(f"Data and server logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(shoot.taken)} screenshots in {out}")


if __name__ == "__main__":
    main()
