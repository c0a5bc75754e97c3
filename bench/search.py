"""Search, filters and the customer list at scale: raw SQL, the selector and HTTP side by side.

    .venv/bin/python -m bench.search [--customers 1000000] [--db sqlite|postgres]
                                     [--queries 200] [--reuse DIR|DBNAME]
                                     [--skip-http] [--skip-load-test]

Loads the demo organization with N generated customers (`regulars demo`) into a fresh
database (or reuses one: `--reuse` names the SQLite data folder, or the PostgreSQL database,
that an earlier run printed), then measures p50/p95/p99 of `--queries` queries of each kind,
with values sampled from the loaded rows by a seeded RNG (so common and rare ones occur as
the data has them):

  name      3–5 letters of a customer's last name          (API ?q=)
  initials  a customer's initials, typed in capitals       (API ?q=)
  email     4–8 characters of a customer's email           (API ?q=)
  phone     a run of 4–7 digits of a customer's phone      (API ?q=)
  account   a customer's account number                    (API ?q=)
  filter3   category + state (or city) + age range (or gender) of a customer, sorted by
            last name, page 1                              (API ?...&sort=last_name)
  page1     the whole list sorted by last name, page 1     (API ?sort=last_name)
  deep      the same at row 100,000 (keyset cursors)       (API ?sort=last_name&cursor=)
  count     the count of one filter (category, state, age range or city)
                                                           (API ?<filter>&limit=1)
  html      the HTML list page /customers/ (50 rows with categories), manager's session
  html3     the HTML list page with the filter3 filters
  spent     total spent of at least a customer's own (whole units), sorted by total spent,
            highest first                                  (API ?spent_min=&sort=-total_spent)
  lastvisit no visit since a customer's last visit, sorted by last visit, latest first
                                                           (API ?no_visit_since=&sort=-last_visit)
  balance   owing more than half a customer's balance, sorted by balance, highest first
                                                           (API ?balance_min=&sort=-outstanding_balance)
  lapsed    lapsed customers of a category, sorted by last name
                                                           (API ?lapsed=yes&category__any=)
  period    spent at least 50–300 in a 30–90 day period of the last three years, computed
            from the history rows, sorted by last name     (API ?period_from=&period_to=&period_spent_min=)

The demo is loaded with `--history-per-customer` history rows each (default 10: a million
customers come with about ten million visits, orders and invoices).

Each kind is measured three ways in the same run:
  raw       the very statements the selector sent (captured on a warm-up call), replayed on
            the same connection's DB-API cursor: same SQL, same indexes, no ORM;
  selector  parse_filters + customer_list / customer_search_page + keyset_page, evaluated
            (what the view and API handler call; no rendering, no serialisation);
  http      one request at a time to `regulars serve` (gunicorn, 2 workers) on loopback:
            the round trip, which is server time plus well under a millisecond.
It prints the table with the ratios and the gates, then each kind's statements with their
query plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) for the sample
nearest the selector's p95, then drives the API by id with wrk (bench/api_by_id.py).
Gates (issue "Search, filters and the customer list"), checked at p95:
  search kinds, filter3, page1, deep: selector ≤ 25 ms and ≤ 1.5 × raw + 3 ms; HTTP ≤ 50 ms;
  deep ≤ 1.2 × page1; count ≤ 100 ms; HTML list page ≤ 80 ms; API by id: ≥ 800 GET/s,
  ≥ 500 PATCH/s, p99 ≤ 100 ms. The figure kinds (spent, lastvisit, balance, lapsed) have the
  page gates; period (issue "Customer history") p95 ≤ 1 s by the selector and over HTTP.
A gate the raw engine itself misses in the same run is marked "engine" with the raw figure.
The exit status is 0 whatever the gates say: this is a report.
"""

from __future__ import annotations

import argparse
import http.client
import inspect
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a file: bench/search.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PG_HOST,
    api_by_id,
    api_key,
    bench_env,
    fresh_database,
    load_demo,
    run,
    serving,
)

SEED = 20250101
PER_PAGE = 50
DEEP_ROW = 100_000
WARMUP = 10
SEARCH_KINDS = ("name", "initials", "email", "phone", "account")
FIGURE_KINDS = ("spent", "lastvisit", "balance", "lapsed")
PAGE_KINDS = (*SEARCH_KINDS, "filter3", "page1", "deep", *FIGURE_KINDS)
PG_NAME = "regulars_bench_search"
SQL_SHOWN = 600  # characters of each statement shown above its plan

Statement = tuple[str, Any]


@dataclass
class Sample:
    """One query of a kind: what the selector gets, and the API/HTML path."""

    label: str
    q: str = ""
    params: list[tuple[str, str]] = field(default_factory=list)
    cursor: str | None = None
    sort: str = "last_name"
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Kind:
    name: str
    samples: list[Sample]
    selector: Callable[[Sample], object] | None
    path: Callable[[Sample], str] | None
    html: bool = False
    times: dict[str, list[float]] = field(default_factory=dict)
    http_errors: int = 0

    def p(self, way: str, pct: int) -> float | None:
        values = self.times.get(way)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# --- Django in this process -------------------------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    for name in ("REGULARS_DATA_DIR", "REGULARS_SQLITE_SYNCHRONOUS", "DATABASE_URL"):
        if name in env:
            os.environ[name] = env[name]
        else:
            os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


@contextmanager
def captured() -> Iterator[list[Statement]]:
    """The statements (SQL as the backend's cursor gets it, with parameters) run inside."""
    from django.db import connection

    seen: list[Statement] = []

    def wrapper(execute: Any, sql: str, params: Any, *rest: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, *rest)

    with connection.execute_wrapper(wrapper):
        yield seen


def dbapi_sql(sql: str) -> str:
    """Django's `%s` placeholders as the raw driver takes them (qmark on SQLite)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return re.sub(r"(?<!%)%s", "?", sql).replace("%%", "%")
    return sql


def replay(statements: list[Statement]) -> None:
    """The statements on the DB-API connection under Django's: no ORM, no wrappers."""
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    for sql, params in statements:
        cursor.execute(dbapi_sql(sql), params if params is not None else ())
        if cursor.description is not None:
            cursor.fetchall()
    cursor.close()


def plan(sql: str, params: Any) -> list[str]:
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + dbapi_sql(sql), params or ())
            rows = cursor.fetchall()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + str(detail))
            return lines
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params or ())
        return [str(row[0]) for row in cursor.fetchall()]
    except Exception as exc:  # a plan that fails is reported, not fatal
        return [f"(no plan: {exc})"]
    finally:
        cursor.close()


def shown(sql: str, params: Any) -> str:
    text = " ".join(sql.split())
    if params:
        text += f"  -- params {list(params)!r}"
    return text if len(text) <= SQL_SHOWN else text[: SQL_SHOWN - 1] + "…"


# --- Sampling -----------------------------------------------------------------------------------


def age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


class Sampler:
    """Random live, active customers of the organization, by a seeded RNG."""

    FIELDS = (
        "id",
        "last_name",
        "initials",
        "email",
        "phone_mobile",
        "phone_home",
        "phone_work",
        "account_number",
        "region",
        "city",
        "gender",
        "date_of_birth",
        "total_spent",
        "last_visit",
        "outstanding_balance",
    )

    def __init__(self, seed: int) -> None:
        from regulars.customers.models import Customer, CustomerStatus

        self.rng = random.Random(seed)
        live = Customer.objects.filter(deleted_at__isnull=True, status=CustomerStatus.ACTIVE)
        self.live = live
        ids = live.order_by("id").values_list("id", flat=True)
        self.first, self.last = ids.first() or 0, ids.last() or 0
        self.links = Customer.categories.through.objects

    def customer(self, want: Callable[[dict[str, Any]], bool] = lambda _c: True) -> dict[str, Any]:
        for _ in range(1000):
            pk = self.rng.randint(self.first, self.last)
            row = self.live.filter(id__gte=pk).order_by("id").values(*self.FIELDS).first()
            if row is not None and want(row):
                return row
        raise SystemExit("No customer fits the sample; is the database loaded?")

    def categories(self, pk: int) -> list[int]:
        return list(self.links.filter(customer_id=pk).values_list("category_id", flat=True))

    def piece(self, text: str, low: int, high: int) -> str:
        size = self.rng.randint(low, high)
        if len(text) <= size:
            return text
        start = self.rng.randint(0, len(text) - size)
        return text[start : start + size]

    def search(self, kind: str) -> Sample:
        if kind == "name":
            c = self.customer(lambda r: len(r["last_name"].strip()) >= 3)
            q = self.piece(c["last_name"], 3, 5).strip()
        elif kind == "initials":
            c = self.customer(lambda r: bool(r["initials"]))
            q = c["initials"].upper()
        elif kind == "email":
            c = self.customer(lambda r: bool(r["email"]))
            q = self.piece(c["email"].lower(), 4, 8)
        elif kind == "phone":
            c = self.customer(
                lambda r: any(r[f] for f in ("phone_mobile", "phone_home", "phone_work"))
            )
            phone = next(c[f] for f in ("phone_mobile", "phone_home", "phone_work") if c[f])
            # Digits after the calling code: a run of them is in both the national and the
            # international form.
            digits = re.sub(r"\D", "", phone)[2:]
            q = self.piece(digits, 4, 7)
        else:
            q = self.customer(lambda r: bool(r["account_number"]))["account_number"]
        return Sample(label=q, q=q)

    def filter3(self, today: date) -> Sample:
        c = self.customer(
            lambda r: bool(r["region"] or r["city"]) and bool(self.categories(r["id"]))
        )
        params = [("category__any", str(self.rng.choice(self.categories(c["id"]))))]
        params.append(("state", c["region"]) if c["region"] else ("city", c["city"]))
        if c["date_of_birth"] is not None:
            age, spread = age_on(c["date_of_birth"], today), self.rng.randint(1, 10)
            params += [("age_min", str(max(0, age - spread))), ("age_max", str(age + spread))]
        else:
            params.append(("gender", c["gender"] or "undisclosed"))
        return Sample(label=urlencode(params), params=params)

    def figure(self, kind: str, today: date) -> Sample:
        """A filter and sort on the figures kept from the history, from a sampled customer."""
        from datetime import timedelta

        if kind == "spent":
            c = self.customer(lambda r: r["total_spent"] is not None and r["total_spent"] > 0)
            params = [("spent_min", str(int(c["total_spent"])))]
            return Sample(urlencode(params), params=params, sort="-total_spent")
        if kind == "lastvisit":
            c = self.customer(lambda r: r["last_visit"] is not None)
            params = [("no_visit_since", c["last_visit"].isoformat())]
            return Sample(urlencode(params), params=params, sort="-last_visit")
        if kind == "balance":
            c = self.customer(lambda r: (r["outstanding_balance"] or 0) > 0)
            params = [("balance_min", str(int(c["outstanding_balance"] / 2)))]
            return Sample(urlencode(params), params=params, sort="-outstanding_balance")
        if kind == "lapsed":
            c = self.customer(lambda r: bool(self.categories(r["id"])))
            params = [
                ("lapsed", "yes"),
                ("category__any", str(self.rng.choice(self.categories(c["id"])))),
            ]
            return Sample(urlencode(params), params=params)
        start = today - timedelta(days=self.rng.randint(30, 3 * 365))
        end = min(today, start + timedelta(days=self.rng.randint(30, 90)))
        params = [
            ("period_from", start.isoformat()),
            ("period_to", end.isoformat()),
            ("period_spent_min", str(self.rng.choice((50, 100, 200, 300)))),
        ]
        return Sample(urlencode(params), params=params)

    def count(self, i: int, today: date) -> Sample:
        c = self.customer(lambda r: bool(r["city"]) and bool(self.categories(r["id"])))
        which = i % 4
        params: list[tuple[str, str]]
        if which == 0:
            params = [("category__any", str(self.rng.choice(self.categories(c["id"]))))]
        elif which == 1 and c["region"]:
            params = [("state", c["region"])]
        elif which == 2 and c["date_of_birth"] is not None:
            age, spread = age_on(c["date_of_birth"], today), self.rng.randint(0, 10)
            params = [("age_min", str(max(0, age - spread))), ("age_max", str(age + spread))]
        else:
            params = [("city", c["city"])]
        return Sample(label=urlencode(params), params=params)


# --- The selector side -----------------------------------------------------------------------


class Selectors:
    def __init__(self, org: Any, actor: Any) -> None:
        self.org, self.actor = org, actor

    def _filtered(self, params: list[tuple[str, str]]) -> tuple[Any, str]:
        """The active customers these filters keep, and the list's key as the API makes it
        (its cursors are tied to status, search and filters)."""
        from django.http import QueryDict

        from regulars.customers.filters import parse_filters
        from regulars.customers.selectors import customer_list

        data = QueryDict(mutable=True)
        for key, value in params:
            data.appendlist(key, value)
        filters = parse_filters(org=self.org, actor=self.actor, data=data)
        customers = customer_list(org=self.org, actor=self.actor, status="active", filters=filters)
        return customers, f"active\n\n{urlencode(filters.pairs())}"

    def search(self, sample: Sample) -> object:
        from regulars.customers.selectors import customer_search_page

        page = customer_search_page(
            org=self.org, actor=self.actor, q=sample.q, status="active", per_page=PER_PAGE
        )
        return page.items

    def page(self, sample: Sample) -> object:
        from regulars.core.paging import keyset_page
        from regulars.customers.columns import parse_sort

        customers, key = self._filtered(sample.params)
        order = parse_sort(sample.sort).order
        return keyset_page(
            customers, order=order, cursor=sample.cursor, per_page=PER_PAGE, **keyed(key)
        )

    def count(self, sample: Sample) -> object:
        return self._filtered(sample.params)[0].count()


def keyed(key: str) -> dict[str, str]:
    """`key=` for a keyset_page that ties cursors to their list (older ones do not)."""
    from regulars.core.paging import keyset_page

    return {"key": key} if "key" in inspect.signature(keyset_page).parameters else {}


def deep_cursors(selectors: Selectors, total: int, wanted: int) -> tuple[int, list[str]]:
    """Keyset cursors at about row min(100,000, half the list) of the list sorted by last
    name, reached by walking the pages once."""
    from regulars.core.paging import keyset_page
    from regulars.customers.columns import parse_sort

    order = parse_sort("last_name").order
    depth = min(DEEP_ROW, total // 2)
    step = max(1, min(250, (total - depth) // max(wanted, 1)))
    customers, key = selectors._filtered([])
    cursor: str | None = None
    row = 0
    while row < depth:
        size = min(1000, depth - row)
        # The first page counts, as the API's does; its cursors carry the count onwards,
        # so a deep page over HTTP is what a client walking from page 1 gets.
        counted = {"count": customers.count} if cursor is None else {}
        page = keyset_page(
            customers,
            order=order,
            cursor=cursor,
            per_page=size,
            **keyed(key),
            **counted,  # type: ignore[arg-type]
        )
        cursor, row = page.next_cursor, row + len(page.items)
        if cursor is None:
            break
    cursors = [cursor] if cursor else []
    while cursor and len(cursors) < wanted:
        page = keyset_page(customers, order=order, cursor=cursor, per_page=step, **keyed(key))
        cursor = page.next_cursor
        if cursor:
            cursors.append(cursor)
    return depth, cursors


# --- Measuring ----------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure_in_process(kind: Kind) -> None:
    """Per sample: the selector once with its statements captured (warm-up), then raw and
    selector, alternating which goes first."""
    assert kind.selector is not None
    select = kind.selector
    raw: list[float] = []
    sel: list[float] = []
    for i, sample in enumerate(kind.samples):
        with captured() as statements:
            select(sample)
        sample.statements = list(statements)
        pair = [
            ("raw", lambda s=sample: replay(s.statements)),
            ("selector", lambda s=sample: select(s)),
        ]
        if i % 2:
            pair.reverse()
        for way, call in pair:
            (raw if way == "raw" else sel).append(timed(call))
    kind.times["raw"] = raw[WARMUP:] if len(raw) > WARMUP * 2 else raw
    kind.times["selector"] = sel[WARMUP:] if len(sel) > WARMUP * 2 else sel


def measure_http(kind: Kind, base: str, headers: dict[str, str]) -> None:
    assert kind.path is not None
    parts = urlsplit(base)
    times: list[float] = []
    for sample in kind.samples:
        path = kind.path(sample)
        started = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname or PG_HOST, parts.port, timeout=120)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            kind.http_errors += 1
            if kind.http_errors == 1:
                print(f"  {kind.name}: HTTP {response.status} for {path}", flush=True)
    kind.times["http"] = times[WARMUP:] if len(times) > WARMUP * 2 else times


# --- Gates and the report --------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "-" if value is None else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def gates(kind: Kind, kinds: dict[str, Kind]) -> list[tuple[str, bool, str]]:
    """(gate, holds, note) for the kind; note names a raw figure that misses the gate too."""
    out: list[tuple[str, bool, str]] = []
    raw, sel, web = kind.p("raw", 95), kind.p("selector", 95), kind.p("http", 95)

    def check(label: str, value: float | None, limit: float, raw_value: float | None) -> None:
        if value is None:
            return
        engine = raw_value is not None and raw_value > limit
        note = f" (engine: raw p95 {fmt(raw_value)} ms)" if engine and value > limit else ""
        out.append((label, value <= limit, note))

    if kind.name in PAGE_KINDS:
        check("sel≤25", sel, 25, raw)
        if sel is not None and raw is not None:
            out.append(("sel≤1.5raw+3", sel <= 1.5 * raw + 3, ""))
        check("http≤50", web, 50, raw)
    if kind.name == "deep":
        first = kinds.get("page1")
        if first is not None:
            for way, label in (("selector", "sel"), ("http", "http")):
                mine, theirs = kind.p(way, 95), first.p(way, 95)
                if mine is not None and theirs is not None:
                    limit = 1.2 * theirs
                    raw_ok = (kind.p("raw", 95) or 0) <= 1.2 * (first.p("raw", 95) or 0)
                    note = "" if raw_ok or mine <= limit else " (engine: raw deep/page1 also >1.2)"
                    out.append((f"{label}≤1.2×page1", mine <= limit, note))
    if kind.name == "period":
        check("sel≤1000", sel, 1000, raw)
        check("http≤1000", web, 1000, raw)
    if kind.name == "count":
        check("sel≤100", sel, 100, raw)
        check("http≤100", web, 100, raw)
    if kind.html:
        check("http≤80", web, 80, None)
    if kind.http_errors:
        out.append((f"http non-200 ×{kind.http_errors}", False, ""))
    return out


def report(kinds: dict[str, Kind], title: str) -> list[str]:
    print()
    print(title)
    head = (
        f"{'kind':<9}{'n':>4} | {'raw p50/p95/p99 ms':>20} | {'selector p50/p95/p99':>20} | "
        f"{'HTTP p50/p95/p99':>20} | {'sel/raw':>7} {'http/sel':>8} | gates (p95)"
    )
    print(head)
    print("-" * len(head))
    missed: list[str] = []
    for kind in kinds.values():
        cells = []
        for way in ("raw", "selector", "http"):
            ps = [kind.p(way, pct) for pct in (50, 95, 99)]
            cells.append("/".join(fmt(v) for v in ps) if ps[0] is not None else "-")
        raw, sel, web = kind.p("raw", 95), kind.p("selector", 95), kind.p("http", 95)
        ratio = f"{sel / raw:.2f}" if sel and raw else "-"
        web_ratio = f"{web / sel:.2f}" if web and sel else "-"
        verdicts = []
        for label, ok, note in gates(kind, kinds):
            verdicts.append(f"{label} {'ok' if ok else 'MISS'}{note}")
            if not ok:
                missed.append(f"{kind.name} {label}{note}")
        n = max((len(v) for v in kind.times.values()), default=0)
        print(
            f"{kind.name:<9}{n:>4} | {cells[0]:>20} | {cells[1]:>20} | {cells[2]:>20} | "
            f"{ratio:>7} {web_ratio:>8} | {'; '.join(verdicts)}"
        )
    return missed


def plans(kinds: dict[str, Kind]) -> None:
    print()
    print("Query plans: each kind's statements for the sample nearest its selector p95")
    for kind in kinds.values():
        sel = kind.times.get("selector")
        if not sel or kind.selector is None:
            continue
        target = kind.p("selector", 95) or 0
        offset = len(kind.samples) - len(sel)
        index = min(range(len(sel)), key=lambda i: abs(sel[i] - target)) + offset
        sample = kind.samples[index]
        print()
        print(f"== {kind.name}: {sample.label!r}  (selector {sel[index - offset]:.1f} ms)")
        for number, (sql, params) in enumerate(sample.statements, 1):
            ms = timed(lambda sql=sql, params=params: replay([(sql, params)]))
            print(f"  [{number}] {ms:.1f} ms  {shown(sql, params)}")
            for line in plan(sql, params):
                print(f"        {line}")


# --- Main -------------------------------------------------------------------------------------


def session_cookie() -> tuple[str, str]:
    """A logged-in session for the demo manager (all locations, no second factor needed)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from regulars.accounts.models import User

    user = User.objects.get(email="manager@demo.regulars.test")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return settings.SESSION_COOKIE_NAME, str(store.session_key)


def build_kinds(options: argparse.Namespace, org: Any, actor: Any) -> dict[str, Kind]:
    from regulars.customers.filters.base import local_today

    n = options.queries + WARMUP
    sampler = Sampler(SEED)
    today = local_today(org)
    selectors = Selectors(org, actor)
    api = "/api/v1/customers?"

    def search_path(s: Sample) -> str:
        return api + urlencode([("q", s.q), ("limit", PER_PAGE)])

    def page_path(s: Sample) -> str:
        query = [*s.params, ("sort", s.sort), ("limit", str(PER_PAGE))]
        return api + urlencode(query + ([("cursor", s.cursor)] if s.cursor else []))

    def count_path(s: Sample) -> str:
        return api + urlencode([*s.params, ("limit", "1")])

    def html_path(s: Sample) -> str:
        return "/customers/" + (
            f"?{urlencode([*s.params, ('sort', 'last_name')])}" if s.params else ""
        )

    kinds: dict[str, Kind] = {}
    for name in SEARCH_KINDS:
        samples = [sampler.search(name) for _ in range(n)]
        kinds[name] = Kind(name, samples, selectors.search, search_path)
    filter3 = [sampler.filter3(today) for _ in range(n)]
    kinds["filter3"] = Kind("filter3", filter3, selectors.page, page_path)
    kinds["page1"] = Kind("page1", [Sample("page 1") for _ in range(n)], selectors.page, page_path)
    total = selectors._filtered([])[0].count()
    depth, cursors = deep_cursors(selectors, total, wanted=20)
    print(f"  deep pages: {len(cursors)} cursors from row {depth:,} of {total:,}", flush=True)
    if cursors:
        deep = [Sample(f"rows {depth:,}+", cursor=cursors[i % len(cursors)]) for i in range(n)]
        kinds["deep"] = Kind("deep", deep, selectors.page, page_path)
    counts = [sampler.count(i, today) for i in range(n)]
    kinds["count"] = Kind("count", counts, selectors.count, count_path)
    for name in (*FIGURE_KINDS, "period"):
        samples = [sampler.figure(name, today) for _ in range(n)]
        kinds[name] = Kind(name, samples, selectors.page, page_path)
    html = [Sample("/customers/") for _ in range(n)]
    kinds["html"] = Kind("html", html, None, html_path, html=True)
    html3 = [Sample(s.label, params=s.params) for s in filter3]
    kinds["html3"] = Kind("html3", html3, None, html_path, html=True)
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--history-per-customer",
        type=int,
        default=10,
        help="history rows (visits, orders, invoices) per customer when loading",
    )
    parser.add_argument(
        "--reuse",
        metavar="DIR|DBNAME",
        help="skip loading: the SQLite data folder, or the PostgreSQL database name, "
        "of an earlier run (printed at its start)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="on PostgreSQL, measure even if the tables were never analysed (by default the "
        "bench runs ANALYZE then, as autovacuum would on a production server)",
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-load-test", action="store_true")
    parser.add_argument("--seconds", type=int, default=20, help="wrk seconds per operation")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    options = parser.parse_args()
    if not options.skip_load_test and shutil.which("wrk") is None:
        sys.exit("Install Debian's wrk first (apt-get install wrk), or pass --skip-load-test.")

    pg_name = PG_NAME
    if options.reuse and options.db == "sqlite":
        data = Path(options.reuse).resolve()
        if not (data / "regulars.sqlite3").exists():
            sys.exit(f"No regulars.sqlite3 in {data}")
    elif options.reuse:
        pg_name = options.reuse
        data = Path(tempfile.mkdtemp(prefix="regulars-bench-search-"))
    else:
        data = Path(tempfile.mkdtemp(prefix="regulars-bench-search-"))
    if options.reuse:
        env, raw_url = bench_env(data, options.db, pg_name)
        run([str(Path(sys.executable).parent / "regulars"), "migrate", "-v0"], env)
    else:
        env, raw_url = fresh_database(data, options.db, pg_name)
        load_demo(env, options.customers, options.db, history=options.history_per_customer)
    again = data if options.db == "sqlite" else pg_name
    print(f"Data: {data}; database: {raw_url}  (again without loading: --reuse {again})")

    print(planner_statistics(options.db, raw_url, analyze=not options.no_analyze), flush=True)

    django_setup(env)
    from django.db import connection, connections

    from regulars.customers.models import Customer
    from regulars.demo.org import DEMO_SLUG
    from regulars.tenancy.access import Channel, actor_for_membership
    from regulars.tenancy.models import Organization, Role, StaffMembership
    from regulars.tenancy.scope import tenant_scope

    org = Organization.objects.get(slug=DEMO_SLUG)
    with tenant_scope(org):
        manager = StaffMembership.objects.get(role=Role.MANAGER)
        actor = actor_for_membership(manager, channel=Channel.API)
        customers = Customer.objects.filter(deleted_at__isnull=True).count()
        print(f"{customers:,} live customers; sampling {options.queries} queries per kind …")
        kinds = build_kinds(options, org, actor)
        for kind in kinds.values():
            if kind.selector is not None:
                started = time.perf_counter()
                measure_in_process(kind)
                print(
                    f"  {kind.name}: raw and selector in {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        cookie = session_cookie()
    connections.close_all()

    if not options.skip_http:
        key, first, last = api_key(env)
        bearer = {"Authorization": f"Bearer {key}"}
        page = {"Cookie": f"{cookie[0]}={cookie[1]}"}
        with serving(env) as base:
            for kind in kinds.values():
                measure_http(kind, base, page if kind.html else bearer)
                print(f"  {kind.name}: HTTP done", flush=True)

    title = (
        f"Search and list, {customers:,} customers, {options.db} ({connection.vendor}), "
        f"{options.queries} queries a kind, ms"
    )
    missed = report(kinds, title)
    with tenant_scope(org):
        plans(kinds)
    connections.close_all()

    if not options.skip_load_test:
        if options.skip_http:
            key, first, last = api_key(env)
        if options.reuse:
            # The PATCH script sends If-Match "<id>-1": earlier runs moved the versions on.
            replay_versions(raw_url, options.db)
        missed += [
            f"API by id {op}"
            for op in api_by_id(
                env,
                db=options.db,
                raw_url=raw_url,
                customers=customers,
                key=key,
                first=first,
                last=last,
                seconds=options.seconds,
                connections=options.connections,
            )
        ]
    print()
    print("Gates missed: " + ("; ".join(missed) if missed else "none"))


def planner_statistics(db: str, raw_url: str, *, analyze: bool) -> str:
    """Whether the planner has statistics on the customers, and on PostgreSQL (unless told
    not to) an ANALYZE when it has none: the demo loader runs none, and with autovacuum off
    (as on this machine) nothing else would either."""
    if db == "sqlite":
        import sqlite3

        with closing(sqlite3.connect(raw_url)) as conn:
            has = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).fetchone()[0]
        return f"Planner statistics (sqlite_stat1): {'present' if has else 'none'}; left as loaded."
    import psycopg

    with psycopg.connect(raw_url, autocommit=True) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]  # type: ignore[index]
        row = conn.execute(
            "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL, n_mod_since_analyze "
            "FROM pg_stat_user_tables WHERE relname = 'customers_customer'"
        ).fetchone()
        analysed, changed = (bool(row[0]), int(row[1])) if row else (False, 0)
        note = f"autovacuum {autovacuum}; customers_customer analysed: {analysed}"
        if analysed or not analyze:
            return f"Planner statistics: {note}, {changed:,} rows changed since; left as is."
        started = time.perf_counter()
        conn.execute("ANALYZE")
        return f"Planner statistics: {note}; ran ANALYZE ({time.perf_counter() - started:.0f} s)."


def replay_versions(raw_url: str, db: str) -> None:
    """Puts every customer back at version 1 (bench data only)."""
    sql = "UPDATE customers_customer SET version = 1 WHERE version <> 1"
    if db == "sqlite":
        import sqlite3

        with sqlite3.connect(raw_url) as conn:
            conn.execute(sql)
    else:
        import psycopg

        with psycopg.connect(raw_url, autocommit=True) as conn:
            conn.execute(sql)


if __name__ == "__main__":
    main()
