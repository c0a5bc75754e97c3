"""The trigram index of search_doc (SQLite FTS5 with triggers, PostgreSQL pg_trgm) and
the rebuild."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from regulars.customers.models import Customer
from regulars.customers.search.fields import (
    FTS_TABLE,
    SEARCH_COLUMNS,
    SEARCH_SOURCES,
    search_fields,
)
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

# --- The trigram index ---------------------------------------------------------------------

# SQLite: an external-content FTS5 table over customers_customer.search_doc, kept in step by
# triggers, so every write path (the ORM, the demo loader's raw INSERTs, a merge) updates it
# in the same transaction. Django remakes a SQLite table for some schema changes, dropping
# its triggers: `search_index_ensure` (run after every migrate) puts them back.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS customers_search_ai AFTER INSERT ON customers_customer
BEGIN
  INSERT INTO customers_search(rowid, search_doc) VALUES (new.id, new.search_doc);
END""",
    """CREATE TRIGGER IF NOT EXISTS customers_search_ad AFTER DELETE ON customers_customer
BEGIN
  INSERT INTO customers_search(customers_search, rowid, search_doc)
  VALUES ('delete', old.id, old.search_doc);
END""",
    """CREATE TRIGGER IF NOT EXISTS customers_search_au
AFTER UPDATE OF search_doc ON customers_customer
BEGIN
  INSERT INTO customers_search(customers_search, rowid, search_doc)
  VALUES ('delete', old.id, old.search_doc);
  INSERT INTO customers_search(rowid, search_doc) VALUES (new.id, new.search_doc);
END""",
)
PG_TRGM_INDEX = "customer_search_doc_trgm"


def search_index_install(conn: Any) -> None:
    """Creates the trigram index (and on SQLite its triggers) and fills it from the table."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_doc, "
                "content='customers_customer', content_rowid='id', tokenize='trigram', "
                "detail='full')"
            )
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
        elif conn.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [PG_TRGM_INDEX])
            if cursor.fetchone() is not None:
                return
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_TRGM_INDEX} ON customers_customer "
                "USING gin (search_doc gin_trgm_ops)"
            )


def search_index_drop(conn: Any) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif conn.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")


def search_index_ensure(conn: Any) -> None:
    """Puts back the SQLite triggers if a table remake dropped them (the FTS rows stay
    valid: a remake keeps ids and values)."""
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        if cursor.fetchone() is None:
            return
        for sql in SQLITE_TRIGGERS:
            cursor.execute(sql)


# --- Rebuilding --------------------------------------------------------------------------------

REBUILD_BATCH = 2000


def search_rebuild(
    *, org: Organization, batch_size: int = REBUILD_BATCH, progress: Any = None
) -> int:
    """Recomputes the organization's search columns (deleted and merged customers included),
    one transaction per batch, writing only rows whose values changed; on SQLite the
    triggers carry each change into the FTS index. Returns how many rows changed.

    `progress`, if given, is called with the number of customers checked so far."""
    assert_in_scope(org)
    sources = ("id", *SEARCH_SOURCES, *SEARCH_COLUMNS)
    after, checked, changed = 0, 0, 0
    assignments = ", ".join(f"{name} = %s" for name in SEARCH_COLUMNS)
    sql = f"UPDATE customers_customer SET {assignments} WHERE id = %s"  # noqa: S608
    while True:
        rows = list(
            Customer.objects.filter(id__gt=after).order_by("id").values(*sources)[:batch_size]
        )
        if not rows:
            break
        updates = []
        for row in rows:
            fields = search_fields(row)
            if any(row[name] != fields[name] for name in SEARCH_COLUMNS):
                updates.append((*(fields[name] for name in SEARCH_COLUMNS), row["id"]))
        if updates:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, updates)
        after = rows[-1]["id"]
        checked += len(rows)
        changed += len(updates)
        if progress is not None:
            progress(checked)
    return changed


def search_index_rebuild() -> None:
    """Recreates what the index needs (SQLite triggers, the pg_trgm index) and, on SQLite,
    refills the FTS table from the customers table."""
    search_index_install(connection)
