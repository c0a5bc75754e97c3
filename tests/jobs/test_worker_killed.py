"""A real `regulars worker` is SIGKILLed mid-job; a second one resumes the job from its checkpoint.

Everything runs in subprocesses on this test's own SQLite file (whatever database the rest of
the suite uses), through the real services, the real database task backend and the real
worker command. The test process itself only reads the SQLite file with the sqlite3 module.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from pathlib import Path
from typing import IO, Any

import pytest

BIN = Path(sys.executable).parent
REGULARS = str(BIN / "regulars")

COUNT = 500  # 10 batches of 50 (regulars.demo.jobs.SAMPLE_BATCH)
BATCH = 50
BATCHES = COUNT // BATCH
KILL_AT = 3  # batches committed before the first worker is killed
STALE_SECONDS = 2
UNIT_DELAY = 0.3
DEADLINE = 60.0  # seconds for the whole test

START_JOB = f"""
from regulars.accounts.services import user_create
from regulars.jobs.services import job_start
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

owner = user_create(email="owner@killed.test", password="correct horse battery staple")
org = organization_create(name="Killed Worker Salon", owner=owner, channel=Channel.SYSTEM)
with tenant_scope(org):
    membership = StaffMembership.objects.get(user=owner)
    actor = actor_for_membership(membership, channel=Channel.PAGE)
    job = job_start(org=org, actor=actor, kind="customers.sample", params={{"count": {COUNT}}})
print(f"STARTED job={{job.pk}} org={{org.pk}}")
"""


def _env(data_dir: Path) -> dict[str, str]:
    """A small, explicit environment: never the suite's DATABASE_URL or other settings."""
    env = {k: v for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if (v := os.environ.get(k))}
    env.update(
        REGULARS_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'regulars.sqlite3'}",
        REGULARS_TASK_BACKEND="django_tasks_db.DatabaseBackend",
        REGULARS_JOB_TEST_UNIT_DELAY=str(UNIT_DELAY),
        REGULARS_JOB_STALE_SECONDS=str(STALE_SECONDS),
        DJANGO_SETTINGS_MODULE="regulars.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(args: list[str], env: dict[str, str], deadline: float) -> str:
    timeout = max(1.0, deadline - time.monotonic())
    done = subprocess.run(
        [REGULARS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"regulars {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Workers:
    """Starts `regulars worker` processes in their own sessions; kills any left at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[IO[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.procs) + 1}.log").open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(
            [REGULARS, "worker", "--interval", "0.2", "--tick", "1"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker leads its own process group
        proc.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')}"
            for p in sorted(self.log_dir.glob("worker-*.log"))
        )

    def close(self) -> None:
        for proc in self.procs:
            with suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(proc)
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    pool = Workers(_env(data_dir), tmp_path)
    try:
        yield pool
    finally:
        pool.close()


def _query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Reads the workers' database without ever writing to it."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute(sql, params).fetchall()


def _job(db: Path, job_id: int) -> dict[str, Any]:
    cols = ("status", "progress_done", "progress_total", "checkpoint", "attempts", "message")
    (row,) = _query(db, f"SELECT {', '.join(cols)} FROM jobs_job WHERE id = ?", (job_id,))  # noqa: S608
    return dict(zip(cols, row, strict=True))


def _wait_for(
    what: str, check: Callable[[], bool], deadline: float, workers: Workers, db: Path, job_id: int
) -> None:
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}; job {_job(db, job_id)}\n{workers.output()}")
        if any(p.poll() is not None for p in workers.procs[-1:]):
            pytest.fail(f"The worker exited while waiting for {what}\n{workers.output()}")
        time.sleep(0.05)


def _sample_indexes(db: Path, org_id: int, job_id: int) -> list[int]:
    """The index each sample email embeds (`first.last.s<job>-<n>@domain`), one per customer."""
    rows = _query(db, "SELECT email FROM customers_customer WHERE organization_id = ?", (org_id,))
    pattern = re.compile(rf"\.s{job_id}-(\d+)@")
    indexes = []
    for (email,) in rows:
        match = pattern.search(email)
        assert match is not None, f"not a sample email of job {job_id}: {email!r}"
        indexes.append(int(match.group(1)))
    return indexes


@pytest.mark.slow
def test_killed_worker_resumes_job_and_does_each_batch_once(workers: Workers) -> None:
    deadline = time.monotonic() + DEADLINE
    env = workers.env
    db = Path(env["REGULARS_DATA_DIR"]) / "regulars.sqlite3"

    _run(["migrate", "--no-input", "-v", "0"], env, deadline)
    started = re.search(
        r"STARTED job=(\d+) org=(\d+)", _run(["shell", "-c", START_JOB], env, deadline)
    )
    assert started is not None
    job_id, org_id = int(started.group(1)), int(started.group(2))
    assert _job(db, job_id)["status"] == "queued"
    assert _query(db, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult")[0][0] == 1

    # First worker: let it commit KILL_AT batches, then kill it without warning.
    first = workers.start()
    _wait_for(
        f"{KILL_AT} batches",
        lambda: _job(db, job_id)["progress_done"] >= KILL_AT,
        deadline,
        workers,
        db,
        job_id,
    )
    workers.kill(first)
    killed_at = time.monotonic()
    assert first.returncode == -signal.SIGKILL

    job = _job(db, job_id)
    assert job["status"] == "running", job
    assert job["attempts"] == 1
    assert job["progress_total"] == BATCHES
    next_batch = json.loads(job["checkpoint"])["next_batch"]
    assert KILL_AT <= next_batch < BATCHES, job
    # The checkpoint and the batch it follows were committed together: no half batch.
    indexes = _sample_indexes(db, org_id, job_id)
    assert sorted(indexes) == list(range(next_batch * BATCH)), job

    # Second worker: started once the dead worker's heartbeat is stale, so its startup
    # reaper re-queues the job from the checkpoint.
    time.sleep(max(0.0, killed_at + STALE_SECONDS + 0.5 - time.monotonic()))
    workers.start()
    _wait_for(
        "the job to finish",
        lambda: _job(db, job_id)["status"] not in ("queued", "running"),
        deadline,
        workers,
        db,
        job_id,
    )

    job = _job(db, job_id)
    assert job["status"] == "succeeded", f"{job}\n{workers.output()}"
    assert job["attempts"] == 2
    assert job["progress_done"] == job["progress_total"] == BATCHES
    assert "Recovered jobs: {'requeued': 1, 'failed': 0}" in workers.output()

    # Every sample index exactly once, for that organization only.
    indexes = _sample_indexes(db, org_id, job_id)
    assert len(indexes) == COUNT
    assert sorted(indexes) == list(range(COUNT))
    (distinct,) = _query(
        db,
        "SELECT COUNT(DISTINCT email), COUNT(*) FROM customers_customer WHERE organization_id = ?",
        (org_id,),
    )
    assert distinct == (COUNT, COUNT)
    assert _query(db, "SELECT COUNT(*) FROM customers_customer")[0][0] == COUNT

    # One "created" audit entry per customer, written with its batch.
    created = _query(
        db,
        "SELECT target_id FROM audit_auditentry WHERE organization_id = ? AND action = ?",
        (org_id, "customers.customer.created"),
    )
    customer_ids = _query(
        db, "SELECT id FROM customers_customer WHERE organization_id = ?", (org_id,)
    )
    assert len(created) == COUNT
    assert sorted(int(t) for (t,) in created) == sorted(c for (c,) in customer_ids)

    # Two task results: the dead worker's (which the backend would leave RUNNING forever;
    # the reaper closes it as FAILED) and the resumed one.
    statuses = sorted(
        s for (s,) in _query(db, "SELECT status FROM django_tasks_database_dbtaskresult")
    )
    assert statuses == ["FAILED", "SUCCESSFUL"], statuses
