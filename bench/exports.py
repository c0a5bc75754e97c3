"""Exporting every customer to CSV and XLSX through the real export path, beside the raw engine.

    .venv/bin/python -m bench.exports [--customers 1000000] [--db sqlite|postgres]
                                      [--repeat 3] [--data DIR --skip-load]

Loads the demo organization with N customers (`regulars demo`, no history) into a fresh
database (a temporary REGULARS_DATA_DIR for SQLite; `regulars_bench_exports`, dropped and
recreated, for PostgreSQL). Then, each in its own process, alternating, `--repeat` times:

- real: the export of everyone with the list's default columns (name, account, email,
  mobile, categories, added), as the page asks for it: `export_request` and the export job
  (count, the one streamed query, the file, its SHA-256, the data log), in the foreground;
- raw CSV: a plain cursor (sqlite3 / psycopg, server-side on PostgreSQL) selecting the same
  rows in the same order (the name joined, the categories aggregated the same way, the
  moment as stored) into `csv.writer`;
- raw XLSX: the same rows written by XlsxWriter in constant-memory mode (`write_row`).

Rates are rows/s, median of the runs (after one untimed pass that warms the caches).
Peak memory (each process's max RSS, Django
included) is measured on the export path for the first 100,000 customers and for all.

Gates (issue "Export"): CSV ≥ 60 % of the raw CSV rate; XLSX ≥ 80 % of the raw library rate
and 1M rows in ≤ 150 s; peak memory at 1M rows ≤ 1.5 × that at 100k.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import bench_env, fresh_database, load_demo

PG_NAME = "regulars_bench_exports"
SMALL = 100_000
COLUMNS = ["name", "account_number", "email", "phone_mobile", "categories", "created_at"]

RAW_SQL = {
    "sqlite": """
        SELECT c.first_name || ' ' || c.last_name, c.account_number, c.email, c.phone_mobile,
          (SELECT GROUP_CONCAT(name, ', ') FROM (SELECT k.name FROM customers_category k
             JOIN customers_customer_categories m ON m.category_id = k.id
             WHERE m.customer_id = c.id ORDER BY k.name)),
          c.created_at
        FROM customers_customer c WHERE c.organization_id = ? AND c.deleted_at IS NULL
        ORDER BY c.last_name, c.first_name, c.id""",
    "postgres": """
        SELECT c.first_name || ' ' || c.last_name, c.account_number, c.email, c.phone_mobile,
          (SELECT STRING_AGG(k.name, ', ' ORDER BY k.name) FROM customers_category k
             JOIN customers_customer_categories m ON m.category_id = k.id
             WHERE m.customer_id = c.id),
          c.created_at
        FROM customers_customer c WHERE c.organization_id = %s AND c.deleted_at IS NULL
        ORDER BY c.last_name, c.first_name, c.id""",
}


# ------------------------------------------------------------------ the measured processes


def _django(env_db: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


def _owner() -> tuple[Any, Any]:
    from regulars.demo.org import DEMO_SLUG
    from regulars.tenancy.access import Channel, actor_for_membership
    from regulars.tenancy.models import Organization, Role, StaffMembership
    from regulars.tenancy.scope import tenant_scope

    org = Organization.objects.get(slug=DEMO_SLUG)
    with tenant_scope(org):
        member = StaffMembership.objects.filter(role=Role.OWNER).first()
        return org, actor_for_membership(member, channel=Channel.CLI)


def measure_real(file_format: str) -> dict[str, Any]:
    """The export as the page makes it: request, then the job in the foreground."""
    from regulars.jobs.runner import execute_job
    from regulars.tenancy.scope import tenant_scope
    from regulars.transfer.exports import ExportAsk, export_request

    org, actor = _owner()
    with tenant_scope(org):
        started = time.perf_counter()
        run = export_request(
            org=org,
            actor=actor,
            ask=ExportAsk("all", file_format, columns=COLUMNS),
            ip=None,
            enqueue=False,
        )
        status = execute_job(run.job.pk)
        seconds = time.perf_counter() - started
        run.refresh_from_db()
        assert status == "succeeded", run.job.message
        Path(run.file.path).unlink()
        return {"rows": run.row_count, "seconds": seconds, "bytes": run.size}


def measure_path(file_format: str, limit: int) -> dict[str, Any]:
    """The export path's own functions (query, stream, writer) over the first `limit`
    customers by id: the memory of a small and a large export, nothing else different."""
    from regulars.customers.selectors import customer_list
    from regulars.tenancy.scope import tenant_scope
    from regulars.transfer.export_files import export_query, stream_rows, write_export
    from regulars.transfer.export_selectors import cell_context, export_columns_chosen

    org, actor = _owner()
    with tenant_scope(org):
        customers = customer_list(org=org, actor=actor)
        last = customers.order_by("id").values_list("id", flat=True)[limit - 1 : limit].first()
        part = customers.filter(id__lte=last) if last is not None else customers
        columns = export_columns_chosen(org, actor, COLUMNS)
        query = export_query(part, columns, cell_context(org), ("last_name", "first_name", "pk"))
        path = Path(tempfile.mkdtemp()) / f"path.{file_format}"
        started = time.perf_counter()
        written = write_export(
            path=path,
            file_format=file_format,
            columns=columns,
            chunks=stream_rows(*query),
            progress=lambda done: None,
        )
        seconds = time.perf_counter() - started
        path.unlink()
        return {"rows": written.rows, "seconds": seconds}


def measure_raw(file_format: str, db: str, raw_url: str) -> dict[str, Any]:
    """The engine alone: one cursor, the same rows in the same order, into the writer."""
    import xlsxwriter

    if db == "sqlite":
        import sqlite3

        conn: Any = sqlite3.connect(raw_url)
        org_id = conn.execute("SELECT id FROM tenancy_organization WHERE slug = 'demo'").fetchone()
        cursor = conn.cursor()
    else:
        import psycopg

        conn = psycopg.connect(raw_url)
        org_id = conn.execute("SELECT id FROM tenancy_organization WHERE slug = 'demo'").fetchone()
        cursor = conn.cursor(name="raw_export")
    path = Path(tempfile.mkdtemp()) / f"raw.{file_format}"
    started = time.perf_counter()
    cursor.execute(RAW_SQL[db], (org_id[0],))
    rows = 0
    header = ["Name", "Account", "Email", "Mobile", "Categories", "Added"]
    if file_format == "csv":
        with path.open("w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            while chunk := cursor.fetchmany(2000):
                writer.writerows(chunk)
                rows += len(chunk)
    else:
        # psycopg gives aware datetimes; the library drops the zone as asked (no Python here).
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, header)
        while chunk := cursor.fetchmany(2000):
            for row in chunk:
                rows += 1
                sheet.write_row(rows, 0, row)
        book.close()
    seconds = time.perf_counter() - started
    conn.close()
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "seconds": seconds, "bytes": size}


# ------------------------------------------------------------------ the driver


def child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Runs one measurement in its own process; its JSON and its peak RSS (MB)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.exports", *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"measurement {args} failed")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024
    return result


def rate(result: dict[str, Any]) -> float:
    return float(result["rows"]) / float(result["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", help="A data folder to use (and keep); default: a temporary one.")
    parser.add_argument("--skip-load", action="store_true", help="--data already holds the demo.")
    parser.add_argument("--measure", choices=("real", "raw", "path"), help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--raw-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        if args.measure == "raw":
            print(json.dumps(measure_raw(args.format, args.db, args.raw_url)))
            return
        _django(args.db)
        if args.measure == "real":
            print(json.dumps(measure_real(args.format)))
        else:
            print(json.dumps(measure_path(args.format, args.limit)))
        return

    data = Path(args.data or tempfile.mkdtemp(prefix="regulars-bench-exports-"))
    data.mkdir(parents=True, exist_ok=True)
    if args.skip_load:
        env, raw_url = bench_env(data, args.db, PG_NAME)
    else:
        env, raw_url = fresh_database(data, args.db, PG_NAME)
        load_demo(env, args.customers, args.db)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    common = ["--db", args.db]
    # One untimed pass first, so that no run pays for reading a cold database from disk.
    child([*common, "--measure", "raw", "--format", "csv", "--raw-url", raw_url], env)
    results: dict[str, list[dict[str, Any]]] = {}
    for repeat in range(args.repeat):
        for file_format in ("csv", "xlsx"):
            for kind in ("raw", "real"):
                extra = ["--raw-url", raw_url] if kind == "raw" else []
                found = child([*common, "--measure", kind, "--format", file_format, *extra], env)
                results.setdefault(f"{kind}-{file_format}", []).append(found)
                print(
                    f"  run {repeat + 1} {kind:4} {file_format:4} {found['rows']:>9,} rows "
                    f"{found['seconds']:7.1f} s {rate(found):>9,.0f} rows/s "
                    f"{found['rss_mb']:6.0f} MB",
                    flush=True,
                )
    memory: dict[str, dict[str, Any]] = {}
    for file_format in ("csv", "xlsx"):
        for limit in (SMALL, args.customers):
            found = child(
                [*common, "--measure", "path", "--format", file_format, "--limit", str(limit)], env
            )
            memory[f"{file_format}-{limit}"] = found
            print(
                f"  memory {file_format:4} {found['rows']:>9,} rows {found['rss_mb']:6.0f} MB",
                flush=True,
            )
    report(args, results, memory)


def report(
    args: argparse.Namespace,
    results: dict[str, list[dict[str, Any]]],
    memory: dict[str, dict[str, Any]],
) -> None:
    def median_rate(key: str) -> float:
        return statistics.median(rate(r) for r in results[key])

    def median_seconds(key: str) -> float:
        return statistics.median(float(r["seconds"]) for r in results[key])

    rows = results["real-csv"][0]["rows"]
    print()
    print(f"Export of {rows:,} customers ({args.db}), median of {args.repeat} runs")
    print(f"{'':22}{'Regulars':>14}{'raw engine':>14}{'share':>8}{'gate':>10}")
    csv_share = median_rate("real-csv") / median_rate("raw-csv")
    xlsx_share = median_rate("real-xlsx") / median_rate("raw-xlsx")
    print(
        f"{'CSV rows/s':22}{median_rate('real-csv'):>14,.0f}{median_rate('raw-csv'):>14,.0f}"
        f"{csv_share:>8.0%}{'≥ 60 %':>10}"
    )
    print(
        f"{'XLSX rows/s':22}{median_rate('real-xlsx'):>14,.0f}{median_rate('raw-xlsx'):>14,.0f}"
        f"{xlsx_share:>8.0%}{'≥ 80 %':>10}"
    )
    xlsx_seconds = median_seconds("real-xlsx") * 1_000_000 / rows
    print(f"{'XLSX s per 1M rows':22}{xlsx_seconds:>14.0f}{'':>14}{'':>8}{'≤ 150 s':>10}")
    gates = [
        ("CSV ≥ 60 % of raw", csv_share >= 0.60),
        ("XLSX ≥ 80 % of raw", xlsx_share >= 0.80),
        ("XLSX 1M rows ≤ 150 s", xlsx_seconds <= 150),
    ]
    for file_format in ("csv", "xlsx"):
        small = memory[f"{file_format}-{SMALL}"]
        large = memory[f"{file_format}-{args.customers}"]
        ratio = large["rss_mb"] / small["rss_mb"]
        print(
            f"{file_format.upper() + ' peak MB':22}{small['rss_mb']:>9.0f} at {small['rows']:,}"
            f" · {large['rss_mb']:.0f} at {large['rows']:,} ({ratio:.2f}×, gate ≤ 1.5×)"
        )
        gates.append((f"{file_format.upper()} memory ≤ 1.5× of 100k", ratio <= 1.5))
    print()
    for name, held in gates:
        print(f"  {'PASS' if held else 'MISS'}  {name}")


if __name__ == "__main__":
    main()
