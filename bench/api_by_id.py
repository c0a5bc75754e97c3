"""The API by id under load: GET and PATCH of one customer, through `regulars serve`.

    .venv/bin/python bench/api_by_id.py [--customers 1000000] [--db sqlite|postgres]
                                        [--seconds 20] [--connections 8]

Loads the demo organization with N customers into a fresh database, creates an owner API
key, serves Regulars with gunicorn (`regulars serve`, 2 workers) and drives it with Debian's
`wrk` from the same machine: GET /api/v1/customers/{random id}, then PATCH of customers in
id order (each once, with its If-Match). Beside each it prints the raw engine doing the same
row work in the same run (point SELECT by id; UPDATE by id), single connection.

Gates (issue "Search, filters and the customer list"): ≥ 800 GET/s, ≥ 500 PATCH/s, p99 ≤
100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGULARS = str(BIN / "regulars")

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("Install Debian's wrk first: apt-get install wrk")

    data = Path(tempfile.mkdtemp(prefix="regulars-bench-api-"))
    env = {**os.environ, "REGULARS_DATA_DIR": str(data), "REGULARS_SQLITE_SYNCHRONOUS": "NORMAL"}
    env.pop("DATABASE_URL", None)
    raw_url = str(data / "regulars.sqlite3")
    if options.db == "postgres":
        name = "regulars_bench_api"
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        raw_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"

    print(f"Loading {options.customers:,} demo customers ({options.db}) …", flush=True)
    started = time.perf_counter()
    run([REGULARS, "demo", "--customers", str(options.customers)], env)
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    found = re.search(
        r"KEY=(\S+) FIRST=(\d+) LAST=(\d+)", run([REGULARS, "shell", "-c", KEY_SCRIPT], env)
    )
    assert found is not None
    key, first, last = found.group(1), int(found.group(2)), int(found.group(3))

    port = free_port()
    server = subprocess.Popen(
        [REGULARS, "serve", "--port", str(port), "--workers", "2", "--no-migrate"],
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
        values = {"key": key, "first": first, "last": last, "seed": 11}
        got = wrk(base, GET_LUA % values, seconds=options.seconds, connections=options.connections)
        patch_values = {**values, "threads": 2}
        patched = wrk(
            base, PATCH_LUA % patch_values, seconds=options.seconds, connections=options.connections
        )
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        server.wait(timeout=20)
    raw = raw_rates(options.db, raw_url, first, last, seconds=5)

    print()
    print(
        f"API by id, {options.customers:,} customers, {options.db}, wrk -t2 -c{options.connections}"
    )
    print(
        f"{'operation':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'raw engine ops/s':>19}  gate"
    )
    for label, fig, raw_rate, gate in (
        ("GET", got, raw["select"], 800),
        ("PATCH", patched, raw["update"], 500),
    ):
        ok = fig["rate"] >= gate and fig.get("p99", 1e9) <= 100 and not fig["errors"]
        print(
            f"{label:<10}{fig['rate']:>10.0f}{fig.get('p50', 0):>9.1f}{fig.get('p99', 0):>9.1f}"
            f"{fig['errors']:>9.0f}{raw_rate:>19.0f}  ≥{gate}/s, p99 ≤ 100 ms: {'holds' if ok else 'MISSED'}"
        )
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
