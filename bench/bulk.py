"""A bulk category change on N customers as a job, its worker SIGKILLed mid-way and restarted.

    .venv/bin/python -m bench.bulk [--customers 100000] [--db sqlite|postgres]
                                   [--kill-at 0.4] [--stale-seconds 10]

Loads the demo organization with N customers into a fresh database (a temporary
REGULARS_DATA_DIR for SQLite; the database `regulars_bench_bulk`, dropped and recreated, for
PostgreSQL), then through the real services (`matching_customers` with `status=all`,
`selection_from_queryset`, `bulk_prepare`, `bulk_start`) starts "add to category" on every
customer, which becomes a job on the database task backend. A real `regulars worker` runs it
and is SIGKILLed once some but not all batches are done; after the job's heartbeat went stale
a second worker recovers the job and finishes it.

Checks (exit status 1 if any fails): the job succeeded on its second attempt with
matched = changed = N; the batches committed before the kill match the checkpoint; exactly
N customers are in the category; exactly N audit entries
(`customers.customer.bulk_add_category` with this category) name N distinct customers, one
each; every customer's version moved on exactly once.

Beside the job's working time (both workers' run time, not the wait for the heartbeat to go
stale) it prints the raw engine doing the same rows in the same run: one INSERT … SELECT into
the category link table, one UPDATE of the versions, one INSERT … SELECT of the audit rows,
in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
REGULARS = str(BIN / "regulars")
PG_NAME = "regulars_bench_bulk"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
ACTION = "customers.customer.bulk_add_category"
CATEGORY = "Bench bulk"  # the names START_BULK gives the two categories
RAW_CATEGORY = "Bench raw SQL"

START_BULK = """
import time
from regulars.customers.categories import category_create
from regulars.demo.org import DEMO_SLUG
from regulars.lists.services import (
    BATCH, bulk_prepare, bulk_start, matching_customers, selection_from_queryset,
)
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope

org = Organization.objects.get(slug=DEMO_SLUG)
with tenant_scope(org):
    owner = StaffMembership.objects.get(role=Role.OWNER)
    actor = actor_for_membership(owner, channel=Channel.PAGE)
    category = category_create(org=org, actor=actor, data={"name": "Bench bulk"})
    raw = category_create(org=org, actor=actor, data={"name": "Bench raw SQL"})
    started = time.perf_counter()
    action = bulk_prepare(
        org=org, actor=actor, action="add_category", params={"category_id": category.pk}
    )
    customers, words = matching_customers(actor, "status=all", field="filter")
    selection = selection_from_queryset(org=org, actor=actor, customers=customers, description=words)
    outcome = bulk_start(org=org, actor=actor, selection=selection, action=action)
    elapsed = time.perf_counter() - started
assert outcome.job is not None, "the action ran inline, not as a job"
print(
    f"STARTED job={outcome.job.pk} org={org.pk} category={category.pk} raw={raw.pk} "
    f"count={selection.count} batch={BATCH} seconds={elapsed:.3f} words={words}"
)
"""


class Db:
    """Reads (and, for the baseline, writes) the bench database without Django."""

    def __init__(self, engine: str, target: str) -> None:
        self.engine = engine
        self.target = target

    def connect(self, *, readonly: bool = True) -> Any:
        if self.engine == "sqlite":
            uri = f"file:{self.target}?mode=ro" if readonly else f"file:{self.target}"
            conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        import psycopg

        return psycopg.connect(self.target, autocommit=True)

    def sql(self, text: str) -> str:
        return text if self.engine == "sqlite" else text.replace("?", "%s")

    def query(self, text: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(self.connect()) as conn:
            return list(conn.execute(self.sql(text), params).fetchall())

    def job(self, job_id: int) -> dict[str, Any]:
        cols = ("status", "progress_done", "progress_total", "checkpoint", "attempts", "result")
        (row,) = self.query(f"SELECT {', '.join(cols)} FROM jobs_job WHERE id = ?", (job_id,))  # noqa: S608
        job = dict(zip(cols, row, strict=True))
        for name in ("checkpoint", "result"):
            if isinstance(job[name], str):
                job[name] = json.loads(job[name])
        return job


class Worker:
    """One `regulars worker` process in its own session, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self.log = log.open("wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [REGULARS, "worker", "--interval", "0.2", "--tick", "1"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)  # the worker leads its own process group
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for(what: str, check: Callable[[], bool], worker: Worker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if worker.proc.poll() is not None:
            sys.exit(f"The worker exited while waiting for {what}:\n{worker.output()}")
        if time.monotonic() > deadline:
            sys.exit(f"Timed out waiting for {what}:\n{worker.output()}")
        time.sleep(0.05)


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def __call__(self, ok: object, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            self.failed.append(what)


def raw_baseline(db: Db, org_id: int, category_id: int) -> tuple[float, int]:
    """The same rows with plain SQL in one transaction: links, versions, audit entries."""
    changes = json.dumps({"category_added": RAW_CATEGORY})
    now = "CURRENT_TIMESTAMP" if db.engine == "sqlite" else "now()"
    cast = "CAST(id AS TEXT)" if db.engine == "sqlite" else "id::text"
    statements = [
        (
            (
                "INSERT INTO customers_customer_categories (customer_id, category_id) "
                "SELECT id, ? FROM customers_customer "
                "WHERE organization_id = ? AND deleted_at IS NULL ORDER BY id"
            ),
            (category_id, org_id),
        ),
        (
            (
                f"UPDATE customers_customer SET version = version + 1, updated_at = {now} "  # noqa: S608
                "WHERE organization_id = ? AND deleted_at IS NULL"
            ),
            (org_id,),
        ),
        (
            (
                "INSERT INTO audit_auditentry (organization_id, created_at, actor_user_id, "  # noqa: S608
                "actor_api_key_id, actor_label, channel, action, target_type, target_id, "
                "target_label, customer_id, changes) "
                f"SELECT organization_id, {now}, NULL, NULL, 'bench', 'job', "
                "'bench.raw_add_category', '', '', 'customer #' || "
                f"{cast}, id, ? FROM customers_customer "
                "WHERE organization_id = ? AND deleted_at IS NULL ORDER BY id"
            ),
            (changes, org_id),
        ),
    ]
    with closing(db.connect(readonly=False)) as conn:
        if db.engine == "sqlite":
            conn.execute("PRAGMA synchronous=FULL")  # as Regulars runs it by default
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE" if db.engine == "sqlite" else "BEGIN")
        for text, params in statements:
            conn.execute(db.sql(text), params)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        linked = conn.execute(
            db.sql("SELECT COUNT(*) FROM customers_customer_categories WHERE category_id = ?"),
            (category_id,),
        ).fetchone()[0]
    return elapsed, int(linked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="Fraction of batches done before the kill."
    )
    parser.add_argument(
        "--stale-seconds",
        type=int,
        default=10,
        help="REGULARS_JOB_STALE_SECONDS for the workers (the reaper's patience).",
    )
    options = parser.parse_args()
    n = options.customers

    data = Path(tempfile.mkdtemp(prefix="regulars-bench-bulk-"))
    env = {
        **os.environ,
        "REGULARS_DATA_DIR": str(data),
        "REGULARS_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "REGULARS_JOB_STALE_SECONDS": str(options.stale_seconds),
        "DJANGO_SETTINGS_MODULE": "regulars.settings",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REGULARS_JOB_TEST_UNIT_DELAY", "REGULARS_SQLITE_SYNCHRONOUS"):
        env.pop(name, None)
    if options.db == "postgres":
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_NAME], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_NAME], check=True)
        env["DATABASE_URL"] = PG_URL
        db = Db("postgres", PG_URL.replace("postgres://", "postgresql://", 1))
    else:
        sqlite_path = data / "regulars.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
        db = Db("sqlite", str(sqlite_path))

    print(f"Loading {n:,} demo customers ({options.db}, data in {data}) …", flush=True)
    started = time.perf_counter()
    run([REGULARS, "demo", "--customers", str(n)], env)
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)

    found = re.search(
        r"STARTED job=(\d+) org=(\d+) category=(\d+) raw=(\d+) count=(\d+) batch=(\d+) "
        r"seconds=([\d.]+) words=(.*)",
        run([REGULARS, "shell", "-c", START_BULK], env),
    )
    assert found is not None
    job_id, org_id, category_id, raw_category_id, count, batch = (
        int(g) for g in found.groups()[:6]
    )
    start_seconds, words = float(found.group(7)), found.group(8)
    print(
        f"Started job {job_id}: add to category {category_id}, {count:,} customers "
        f"({words}), selection + bulk_start in {start_seconds:.2f} s",
        flush=True,
    )
    live = "FROM customers_customer WHERE organization_id = ? AND deleted_at IS NULL"
    before = dict(db.query(f"SELECT id, version {live}", (org_id,)))
    batches = (count + batch - 1) // batch
    kill_at = max(1, min(batches - 1, int(batches * options.kill_at)))
    linked_sql = "SELECT COUNT(*) FROM customers_customer_categories WHERE category_id = ?"
    audit_where = "FROM audit_auditentry WHERE organization_id = ? AND action = ?"

    checks = Checks()
    print("Checks:")
    checks(len(before) == n and count == n, f"the filter matches all {n:,} customers ({count:,})")
    checks(db.job(job_id)["status"] == "queued", "the action is a queued job")

    # First worker: let it commit kill_at batches, then SIGKILL it.
    first = Worker(env, data / "worker-1.log")
    wait_for(
        f"{kill_at} batches",
        lambda: int(db.job(job_id)["progress_done"] or 0) >= kill_at,
        first,
        timeout=600,
    )
    first.kill()
    killed_at = time.perf_counter()
    first_seconds = killed_at - first.started
    job = db.job(job_id)
    done_batches = int(job["checkpoint"].get("next_batch", 0))
    linked_at_kill = db.query(linked_sql, (category_id,))[0][0]
    audited_at_kill = db.query(f"SELECT COUNT(*) {audit_where}", (org_id, ACTION))[0][0]
    print(
        f"  worker 1 SIGKILLed after {first_seconds:.1f} s: job {job['status']}, "
        f"checkpoint {done_batches}/{batches} batches, {linked_at_kill:,} linked, "
        f"{audited_at_kill:,} audited"
    )
    checks(first.proc.returncode == -signal.SIGKILL, "worker 1 died of SIGKILL")
    checks(
        job["status"] == "running" and 0 < done_batches < batches,
        "killed with some but not all batches done",
    )
    checks(
        linked_at_kill == audited_at_kill == min(n, done_batches * batch),
        "at the kill, links and audit entries match the checkpoint (no half batch)",
    )

    # Second worker, once the dead run's heartbeat is stale: it re-queues and resumes the job.
    time.sleep(max(0.0, killed_at + options.stale_seconds + 0.5 - time.perf_counter()))
    second = Worker(env, data / "worker-2.log")
    wait_for(
        "the job to finish",
        lambda: db.job(job_id)["status"] not in ("queued", "running"),
        second,
        timeout=1800,
    )
    finished_at = time.perf_counter()
    second_seconds = finished_at - second.started
    second.kill(signal.SIGTERM)
    job = db.job(job_id)
    result = job["result"] or {}
    print(
        f"  worker 2 finished the job in {second_seconds:.1f} s: {job['status']}, "
        f"attempts {job['attempts']}, result "
        + ", ".join(f"{k} {result.get(k, '?'):,}" for k in ("matched", "changed", "unchanged"))
        + f", skipped {result.get('skipped', '?'):,}"
    )
    checks(job["status"] == "succeeded", f"the job succeeded ({job['status']})")
    checks(job["attempts"] == 2, f"it ran twice: killed, then resumed ({job['attempts']})")
    checks(
        (result.get("matched"), result.get("changed"), result.get("unchanged")) == (n, n, 0)
        and result.get("skipped") == 0,
        f"result: matched = changed = {n:,}, unchanged = skipped = 0",
    )
    linked = db.query(linked_sql, (category_id,))[0][0]
    checks(linked == n, f"exactly {n:,} customers in the category ({linked:,})")
    audited = db.query(f"SELECT customer_id, changes {audit_where}", (org_id, ACTION))
    per_customer: dict[int, int] = {}
    wrong_changes = 0
    for customer_id, changes in audited:
        per_customer[customer_id] = per_customer.get(customer_id, 0) + 1
        parsed = json.loads(changes) if isinstance(changes, str) else changes
        wrong_changes += parsed != {"category_added": CATEGORY}
    checks(len(audited) == n, f"exactly {n:,} audit entries for the action ({len(audited):,})")
    twice = sum(1 for c in per_customer.values() if c > 1)
    checks(
        set(per_customer) == set(before) and twice == 0,
        f"one entry per customer, none twice ({len(per_customer):,} customers, {twice} twice)",
    )
    checks(wrong_changes == 0, f"every entry names this category ({wrong_changes} do not)")
    after = dict(db.query(f"SELECT id, version {live}", (org_id,)))
    moved = [after.get(cid, v) - v for cid, v in before.items()]
    checks(
        all(step == 1 for step in moved),
        f"every version moved on exactly once (max step {max(moved, default=0)}, "
        f"unmoved {sum(1 for s in moved if s == 0)})",
    )

    working = first_seconds + second_seconds
    total = finished_at - first.started
    raw_seconds, raw_linked = raw_baseline(db, org_id, raw_category_id)
    checks(raw_linked == n, f"the raw baseline linked {n:,} customers ({raw_linked:,})")
    print()
    print(f"Bulk add to category, {n:,} customers, {options.db}, {batches} batches of {batch}")
    print(
        f"regulars job (2 workers): {working:8.1f} s  {n / working:9,.0f} customers/s  "
        f"(worker 1 {first_seconds:.1f} s + worker 2 {second_seconds:.1f} s, process "
        f"start-ups included; {total:.1f} s wall with the {options.stale_seconds} s stale wait)"
    )
    print(
        f"plain SQL, 3 statements: {raw_seconds:8.1f} s  {n / raw_seconds:9,.0f} customers/s  "
        "(links, versions, audit rows; one transaction)"
    )
    print(f"ratio regulars / plain SQL: {working / raw_seconds:.1f}")
    if checks.failed:
        print(f"\nFAILED: {len(checks.failed)} check(s):", *checks.failed, sep="\n  ")
        print(f"Worker logs in {data}")
        sys.exit(1)
    print("All checks passed.")


if __name__ == "__main__":
    main()
