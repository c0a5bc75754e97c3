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
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import api_by_id, api_key, fresh_database, load_demo


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
    env, raw_url = fresh_database(data, options.db, "regulars_bench_api")
    load_demo(env, options.customers, options.db)
    key, first, last = api_key(env)
    api_by_id(
        env,
        db=options.db,
        raw_url=raw_url,
        customers=options.customers,
        key=key,
        first=first,
        last=last,
        seconds=options.seconds,
        connections=options.connections,
    )
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
