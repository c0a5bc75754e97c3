"""What the benchmarks share: a fresh database with the demo organization, an owner API key,
`regulars serve` on a free port, Debian's `wrk`, and the API-by-id measurement (GET and
PATCH of one customer by id beside the raw engine doing the same row work)."""

from __future__ import annotations

import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGULARS = str(BIN / "regulars")
PG_HOST = "127.0.0.1"

KEY_SCRIPT = """
from regulars.accounts.services import api_key_create
from regulars.customers.models import Customer
from regulars.demo.org import DEMO_SLUG
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
org = Organization.objects.get(slug=DEMO_SLUG)
with tenant_scope(org):
    owner = StaffMembership.objects.filter(role=Role.OWNER).first()
    actor = actor_for_membership(owner, channel=Channel.CLI)
    _row, key = api_key_create(org=org, actor=actor, name="bench", role=Role.OWNER)
    ids = Customer.objects.order_by("id").values_list("id", flat=True)
    print(f"KEY={key} FIRST={ids.first()} LAST={ids.last()}")
"""

GET_LUA = """
math.randomseed(%(seed)d)
wrk.headers["Authorization"] = "Bearer %(key)s"
request = function()
  return wrk.format("GET", "/api/v1/customers/" .. math.random(%(first)d, %(last)d))
end
"""

# Each connection's thread walks its own stride of ids, so no id is PATCHed twice and every
# If-Match ("<id>-1") is current: the demo's customers are all at version 1.
PATCH_LUA = """
local counter = 0
local threads = 0
setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
init = function(args)
  wrk.headers["Authorization"] = "Bearer %(key)s"
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  local id = %(first)d + offset + counter * %(threads)d
  counter = counter + 1
  wrk.headers["If-Match"] = '"' .. id .. '-1"'
  return wrk.format("PATCH", "/api/v1/customers/" .. id, nil, '{"city": "Benchton"}')
end
"""


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def bench_env(data: Path, db: str, pg_name: str) -> tuple[dict[str, str], str]:
    """The environment for `regulars` commands on this data folder and database, and the
    URL (SQLite file path or libpq URL) a raw engine connection opens. Creates nothing."""
    env = {**os.environ, "REGULARS_DATA_DIR": str(data), "REGULARS_SQLITE_SYNCHRONOUS": "NORMAL"}
    env.pop("DATABASE_URL", None)
    raw_url = str(data / "regulars.sqlite3")
    if db == "postgres":
        raw_url = f"postgresql://postgres@{PG_HOST}:5432/{pg_name}"
        env["DATABASE_URL"] = f"postgres://postgres@{PG_HOST}:5432/{pg_name}"
    return env, raw_url


def fresh_database(data: Path, db: str, pg_name: str) -> tuple[dict[str, str], str]:
    """`bench_env`, after (re)creating the PostgreSQL database `pg_name` empty."""
    if db == "postgres":
        subprocess.run(
            ["dropdb", "-h", PG_HOST, "-U", "postgres", "--if-exists", pg_name], check=True
        )
        subprocess.run(["createdb", "-h", PG_HOST, "-U", "postgres", pg_name], check=True)
    return bench_env(data, db, pg_name)


def load_demo(env: dict[str, str], customers: int, db: str, *, history: int = 0) -> None:
    """`history`: history rows (visits, orders, invoices) per customer; 0 for none."""
    print(f"Loading {customers:,} demo customers, {history} history rows each ({db}) …", flush=True)
    started = time.perf_counter()
    run(
        [
            REGULARS,
            "demo",
            "--customers",
            str(customers),
            "--history-per-customer",
            str(history),
        ],
        env,
    )
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)


def api_key(env: dict[str, str]) -> tuple[str, int, int]:
    """A new owner API key, and the first and last customer ids."""
    found = re.search(
        r"KEY=(\S+) FIRST=(\d+) LAST=(\d+)", run([REGULARS, "shell", "-c", KEY_SCRIPT], env)
    )
    assert found is not None
    return found.group(1), int(found.group(2)), int(found.group(3))


@contextmanager
def serving(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """`regulars serve` (gunicorn) on a free loopback port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [REGULARS, "serve", "--port", str(port), "--workers", str(workers), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with suppress(OSError):
                urllib.request.urlopen(f"{base}/health", timeout=1)  # noqa: S310
                break
            time.sleep(0.1)
        yield base
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        server.wait(timeout=20)


def wrk(url: str, script: str, *, seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", handle.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(handle.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures = {"rate": rate, "errors": float(non2xx.group(1)) if non2xx else 0.0}
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if found:
            value, unit = float(found.group(1)), found.group(2)
            figures[f"p{pct}"] = (
                value / 1000 if unit == "us" else value * (1000 if unit == "s" else 1)
            )
    return figures


def raw_rates(db: str, url: str | None, first: int, last: int, seconds: float) -> dict[str, float]:
    """The engine alone, one connection: point SELECTs by id, then UPDATEs by id."""
    rng = random.Random(7)
    if db == "sqlite":
        conn = sqlite3.connect(url or "", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        placeholder = "?"
    else:
        import psycopg

        conn = psycopg.connect(url or "", autocommit=True)  # type: ignore[assignment]
        placeholder = "%s"
    select = f"SELECT * FROM customers_customer WHERE id = {placeholder}"  # noqa: S608
    update = (
        "UPDATE customers_customer SET city = 'Rawton', version = version + 1 "  # noqa: S608
        f"WHERE id = {placeholder}"
    )
    figures = {}
    for name, sql in (("select", select), ("update", update)):
        count, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            conn.execute(sql, (rng.randint(first, last),)).fetchall() if name == "select" else (
                conn.execute(sql, (rng.randint(first, last),))
            )
            count += 1
        figures[name] = count / seconds
    conn.close()
    return figures


def api_by_id(
    env: dict[str, str],
    *,
    db: str,
    raw_url: str,
    customers: int,
    key: str,
    first: int,
    last: int,
    seconds: int,
    connections: int,
) -> list[str]:
    """Serves Regulars, drives GET then PATCH by id with wrk, then the raw engine; prints the
    table and returns the gates missed ("GET", "PATCH")."""
    with serving(env) as base:
        values = {"key": key, "first": first, "last": last, "seed": 11}
        got = wrk(base, GET_LUA % values, seconds=seconds, connections=connections)
        patch_values = {**values, "threads": 2}
        patched = wrk(base, PATCH_LUA % patch_values, seconds=seconds, connections=connections)
    raw = raw_rates(db, raw_url, first, last, seconds=5)

    print()
    print(f"API by id, {customers:,} customers, {db}, wrk -t2 -c{connections}")
    print(
        f"{'operation':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'raw engine ops/s':>19}  gate"
    )
    missed = []
    for label, fig, raw_rate, gate in (
        ("GET", got, raw["select"], 800),
        ("PATCH", patched, raw["update"], 500),
    ):
        ok = fig["rate"] >= gate and fig.get("p99", 1e9) <= 100 and not fig["errors"]
        if not ok:
            missed.append(label)
        print(
            f"{label:<10}{fig['rate']:>10.0f}{fig.get('p50', 0):>9.1f}{fig.get('p99', 0):>9.1f}"
            f"{fig['errors']:>9.0f}{raw_rate:>19.0f}  ≥{gate}/s, p99 ≤ 100 ms: {'holds' if ok else 'MISSED'}"
        )
    return missed
