"""Search gives the same ranked answers on SQLite and on PostgreSQL.

The suite runs once per engine. In either pass this module seeds the same 2,218 customers
(`tests.customers.parity_data`: ø ł đ ß æ, two-letter surnames, three phones each, …) into
the pass's own test database, asks the selector behind `GET /api/v1/customers?q=` the 50
named queries (and a few with filters), and compares each top 20 and count with what a
subprocess (`tests.customers.parity_run`) finds on the other engine: a PostgreSQL database
this module creates and drops during the SQLite pass, a SQLite file during the PostgreSQL
pass. The subprocess migrates its fresh database and seeds it through the same function, so
both sides hold the same rows in the same order; the two run side by side.

Both passes need the PostgreSQL server (`REGULARS_TEST_POSTGRES_URL`); without it they fail
rather than pass without comparing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from regulars.customers.search.fields import TIER_LIMIT
from tests.customers.parity_data import (
    FILTERED_QUERIES,
    JOINED_QUERIES,
    OVER_CAP_QUERY,
    QUERIES,
    TOP,
    NamedQuery,
    seed_and_search,
)

# django_db also tells pytest-django to set up the test database the module fixture uses.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# The SQLite pass creates (and drops) its PostgreSQL database on the server the suite's
# PostgreSQL pass uses (scripts/test), connecting to its `postgres` database to do so.
PG_SERVER_URL = os.environ.get(
    "REGULARS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/regulars"
)
SUBPROCESS_TIMEOUT = 300
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class OtherEngine:
    """The subprocess seeding and searching the other engine's fresh database."""

    process: subprocess.Popen[bytes]
    out: Path
    log: Path  # its stdout and stderr (a file: a full pipe would stall it)

    def results(self) -> dict[str, Any]:
        try:
            self.process.wait(timeout=SUBPROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"parity_run took over {SUBPROCESS_TIMEOUT} s:\n{self.log.read_text()}")
        assert self.process.returncode == 0, f"parity_run failed:\n{self.log.read_text()}"
        data: dict[str, Any] = json.loads(self.out.read_text())
        return data


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    """A small, explicit environment: never this pass's DATABASE_URL or other settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k in keep if (v := os.environ.get(k))}
    env.update(
        REGULARS_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        # A throwaway file: no need to wait for the disk at each commit.
        REGULARS_SQLITE_SYNCHRONOUS="NORMAL",
        DJANGO_SETTINGS_MODULE="regulars.settings",
    )
    return env


def _database_url(name: str) -> str:
    """PG_SERVER_URL with another database name."""
    parts = urlsplit(PG_SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin() -> psycopg.Connection[Any]:
    parts = urlsplit(_database_url("postgres"))
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def other_engine() -> Iterator[OtherEngine]:
    """Starts the subprocess on the other engine (it runs while this process seeds)."""
    with tempfile.TemporaryDirectory(prefix="regulars-parity-") as tmp:
        data_dir = Path(tmp)
        dropped: str | None = None
        if connection.vendor == "sqlite":
            name = f"regulars_parity_{os.getpid()}"
            try:
                admin = _admin()
            except psycopg.OperationalError as exc:
                pytest.fail(f"no PostgreSQL at {PG_SERVER_URL} for the other side: {exc}")
            with admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            dropped = name
            database_url = _database_url(name)
        else:
            database_url = f"sqlite:///{data_dir / 'parity.sqlite3'}"
        out, log = data_dir / "results.json", data_dir / "parity_run.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.customers.parity_run", str(out)],
                cwd=settings.BASE_DIR,
                env=_env(data_dir, database_url),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            yield OtherEngine(process=process, out=out, log=log)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if dropped is not None:
                with _admin() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


@dataclass(frozen=True)
class Sides:
    here: dict[str, Any]
    there: dict[str, Any]

    @property
    def names(self) -> tuple[str, str]:
        return ENGINES[self.here["vendor"]], ENGINES[self.there["vendor"]]


@pytest.fixture(scope="module")
def sides(other_engine: OtherEngine, django_db_setup: None, django_db_blocker: Any) -> Sides:
    """This engine's answers (seeded in one transaction, rolled back after) and the other's."""
    with django_db_blocker.unblock(), transaction.atomic():
        here = seed_and_search()
        transaction.set_rollback(True)
    there = other_engine.results()
    assert here["vendor"] != there["vendor"]
    return Sides(here=here, there=there)


def _describe(query: NamedQuery) -> str:
    filters = f", filters {query.params!r}" if query.params else ""
    return f"{query.name!r}: q={query.q!r}, status={query.status!r}{filters}"


def _diff(query: NamedQuery, sides: Sides) -> str:
    """Both rankings side by side, with what only one side found."""
    here_name, there_name = sides.names
    a, b = sides.here["results"][query.name], sides.there["results"][query.name]
    labels = {**b["labels"], **a["labels"]}
    lines = [
        _describe(query),
        f"  count: {here_name} {a['total']}, {there_name} {b['total']}",
        f"  {'#':>3}  {here_name:<40}{there_name}",
    ]
    for i in range(max(len(a["top"]), len(b["top"]))):
        left = a["top"][i] if i < len(a["top"]) else ""
        right = b["top"][i] if i < len(b["top"]) else ""
        mark = " " if left == right else "≠"
        left_text = f"{left} {labels.get(left, '')}"
        lines.append(f"{mark} {i + 1:>3}  {left_text:<40}{right} {labels.get(right, '')}")
    for side, mine, theirs in ((here_name, a, b), (there_name, b, a)):
        only = [n for n in mine["top"] if n not in theirs["top"]]
        if only:
            shown = ", ".join(f"{n} {labels.get(n, '')}" for n in only)
            lines.append(f"  only in {side}'s top {TOP}: {shown}")
    return "\n".join(lines)


def _ranked(result: dict[str, Any]) -> dict[str, Any]:
    return {"top": result["top"], "total": result["total"]}


COMPARED = (*QUERIES, *FILTERED_QUERIES, *JOINED_QUERIES)


@pytest.mark.parametrize("query", [pytest.param(q, id=q.name) for q in COMPARED])
def test_same_top_20_on_sqlite_and_postgresql(query: NamedQuery, sides: Sides) -> None:
    here = _ranked(sides.here["results"][query.name])
    there = _ranked(sides.there["results"][query.name])
    assert here == there, _diff(query, sides)


def test_past_the_tier_cap_both_rank_the_same_number_of_candidates(sides: Sides) -> None:
    """Past TIER_LIMIT matches a tier ranks the first TIER_LIMIT the engine reads (FTS rowid
    order on SQLite, heap order on PostgreSQL), so which 2,000 are ranked may differ; what
    holds on both is the capped total and a full first page of this organization's live
    customers."""
    here = sides.here["results"][OVER_CAP_QUERY.name]
    there = sides.there["results"][OVER_CAP_QUERY.name]
    assert here["total"] == there["total"] == TIER_LIMIT
    assert len(here["top"]) == len(there["top"]) == TOP
    assert here["leaks"] == there["leaks"] == []


def test_the_seeded_set_is_large_and_the_answers_are_not_trivial(sides: Sides) -> None:
    """Guards against a parity that holds because both sides find nothing."""
    assert len(QUERIES) == 50
    assert len({q.name for q in COMPARED}) == len(COMPARED)
    for side in (sides.here, sides.there):
        assert side["live"] >= 2000
        results = side["results"]
        found = [q.name for q in QUERIES if results[q.name]["total"] > 0]
        full = [q.name for q in QUERIES if len(results[q.name]["top"]) == TOP]
        assert len(found) >= 45, found
        assert len(full) >= 25, full
        assert results["no match"]["total"] == 0
        assert results["account number, lower case"]["top"] == ["C000123"]
        assert results[OVER_CAP_QUERY.name]["total"] > 1000


def test_no_other_organization_or_deleted_customer_is_found(sides: Sides) -> None:
    for side in (sides.here, sides.there):
        leaks = {name: r["leaks"] for name, r in side["results"].items() if r["leaks"]}
        assert leaks == {}, f"{side['vendor']}: {leaks}"
