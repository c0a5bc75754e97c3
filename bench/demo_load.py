"""Load N demo customers into a fresh SQLite database; the raw engine beside it.

    .venv/bin/python bench/demo_load.py [N]          (default 1,000,000)

Prints the load's time, rows/s and database size, then the same rows (same generator,
same tables, indexes and pragmas, same batches) inserted with plain `sqlite3` executemany,
so the figure reads as a ratio to what the database itself needs.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
DATA = Path(tempfile.mkdtemp(prefix="regulars-bench-demo-"))
os.environ["REGULARS_DATA_DIR"] = str(DATA)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from regulars.demo.generator import CustomerGenerator  # noqa: E402
from regulars.demo.org import DEMO_SEED, demo_create  # noqa: E402

TABLES = (
    "customers_customer",
    "customers_customer_categories",
    "customers_customer_locations",
    "customers_customfieldvalue",
    "customers_note",
    "customers_reminder",
    "customers_consentevent",
    "audit_auditentry",
)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    db = Path(settings.DATABASES["default"]["NAME"])
    started = time.perf_counter()
    demo_create(customers=N, history_per_customer=0)  # the replay below is of customers only
    regulars = time.perf_counter() - started
    with sqlite3.connect(db) as conn:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
        schema = [
            sql
            for (name, sql) in conn.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
            )
            if name in TABLES
        ]
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    rows_total = sum(counts.values())
    print(f"customers: {N:,}; rows in all tables: {rows_total:,}")
    print(
        f"regulars demo load: {regulars:8.1f} s  {N / regulars:9,.0f} customers/s  "
        f"{rows_total / regulars:9,.0f} rows/s  {size(db) / 1e6:,.0f} MB"
    )
    raw_db = DATA / "raw.sqlite3"
    raw, gen_only = raw_load(raw_db, schema, columns)
    print(
        f"plain sqlite3:      {raw:8.1f} s  {N / raw:9,.0f} customers/s  "
        f"{rows_total / raw:9,.0f} rows/s  {size(raw_db) / 1e6:,.0f} MB "
        f"(of which generating rows {gen_only:.1f} s)"
    )
    print(f"ratio regulars / plain sqlite3: {regulars / raw:.2f}")
    print(f"(files in {DATA})")


def raw_load(path: Path, schema: list[str], columns: dict[str, list[str]]) -> tuple[float, float]:
    """The same rows and tables without Django: tuples straight into executemany."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA cache_size=-262144")
    for sql in sorted(schema, key=lambda s: not s.startswith("CREATE TABLE")):
        conn.execute(sql)
    gen = CustomerGenerator(DEMO_SEED, region="GB")
    now = "2025-01-01 12:00:00"
    started = time.perf_counter()
    generating = 0.0
    ins = {
        t: f"INSERT INTO {t} ({', '.join(c for c in cols if c != 'id')}) VALUES ({', '.join('?' for c in cols if c != 'id')})"  # noqa: S608
        for t, cols in columns.items()
    }
    cust_cols = [c for c in columns["customers_customer"] if c != "id"]
    defaults = {
        "organization_id": 1,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "email_invalid_at": None,
        "email_invalid_reason": "",
        "deleted_at": None,
        "merged_into_id": None,
    }
    next_id = 1

    def maker(cols: list[str]):  # type: ignore[no-untyped-def]
        cols = [c for c in cols if c != "id"]
        return lambda d: tuple(d.get(c) for c in cols)

    tup = {t: maker(cols) for t, cols in columns.items()}
    for start in range(0, N, 5000):
        t = time.perf_counter()
        rows = list(gen.rows(start, min(5000, N - start)))
        generating += time.perf_counter() - t
        conn.execute("BEGIN IMMEDIATE")
        customers, links, values, notes, audit = [], [], [], [], []
        for row in rows:
            d = {**defaults, "account_number": f"C{next_id:06d}", "email_key": row.email.lower()}
            customers.append(tuple(d[c] if c in d else _plain(getattr(row, c)) for c in cust_cols))
            links.extend(
                tup["customers_customer_categories"]({"customer_id": next_id, "category_id": k})
                for k, _name in enumerate(row.categories, 1)
            )
            values.extend(
                tup["customers_customfieldvalue"](
                    {
                        "organization_id": 1,
                        "customer_id": next_id,
                        "field_id": i + 1,
                        "text_value": str(v),
                    }
                )
                for i, v in enumerate(row.custom.values())
            )
            notes.extend(
                tup["customers_note"](
                    {
                        "organization_id": 1,
                        "customer_id": next_id,
                        "text": text,
                        "author_label": "Demo data",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                for text in row.notes
            )
            audit.append(
                tup["audit_auditentry"](
                    {
                        "organization_id": 1,
                        "created_at": now,
                        "actor_label": "system",
                        "channel": "cli",
                        "action": "customers.customer.created",
                        "target_type": "customers.customer",
                        "target_id": str(next_id),
                        "target_label": row.first_name,
                        "customer_id": next_id,
                        "changes": '{"source": "demo"}',
                    }
                )
            )
            next_id += 1
        conn.executemany(ins["customers_customer"], customers)
        conn.executemany(ins["customers_customer_categories"], links)
        conn.executemany(ins["customers_customfieldvalue"], values)
        conn.executemany(ins["customers_note"], notes)
        conn.executemany(ins["audit_auditentry"], audit)
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started, generating


def _plain(value: object) -> object:
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


if __name__ == "__main__":
    main()
