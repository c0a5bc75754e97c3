"""`regulars demo`: an organization with locations, staff, generated customers and their
history to try."""

from __future__ import annotations

import json
import os
import sys
import time
from argparse import ArgumentParser
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from regulars.demo.history import DEFAULT_PER_CUSTOMER
from regulars.demo.org import DEMO_CUSTOMERS, DEMO_SLUG, demo_create
from regulars.tenancy.models import Organization

MAX_CUSTOMERS = 1_000_000
MAX_HISTORY_PER_CUSTOMER = 100


def database_size() -> str:
    """The SQLite file with its WAL, or the PostgreSQL database's size."""
    if connection.vendor == "sqlite":
        path = Path(str(connection.settings_dict["NAME"]))
        files = [path, path.with_name(path.name + "-wal")]
        size = sum(f.stat().st_size for f in files if f.exists())
        return f"{size / 1e6:,.0f} MB ({path}, WAL included)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (size,) = cursor.fetchone()
    return f"{size / 1e6:,.0f} MB (PostgreSQL database {connection.settings_dict['NAME']})"


def history_summary(counts: Counter[str]) -> str:
    visits = sum(v for k, v in counts.items() if k.startswith("visits_"))
    return (
        f"History: {visits:,} visits ({counts['visits_completed']:,} completed, "
        f"{counts['visits_booked']:,} booked ahead), {counts['orders']:,} orders "
        f"({counts['refunds']:,} refunds), {counts['invoices']:,} invoices "
        f"({counts['invoices_overdue']:,} overdue, {counts['invoices_written_off']:,} written off), "
        f"{counts['payments']:,} payments."
    )


class Command(BaseCommand):
    help = "Create the demo organization (once) and print its logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=DEMO_CUSTOMERS)
        parser.add_argument(
            "--history-per-customer",
            type=float,
            default=DEFAULT_PER_CUSTOMER,
            help="About how many visits, orders and invoices per customer, over three years "
            f"(default {DEFAULT_PER_CUSTOMER:g}; 0: no history).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        logins_file = settings.DATA_DIR / "demo-logins.json"
        if Organization.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write("The demo organization already exists.")
        else:
            count = options["customers"]
            if not 0 <= count <= MAX_CUSTOMERS:
                self.stderr.write(f"--customers must be between 0 and {MAX_CUSTOMERS:,}.")
                raise SystemExit(2)
            per_customer = options["history_per_customer"]
            if not 0 <= per_customer <= MAX_HISTORY_PER_CUSTOMER:
                self.stderr.write(
                    f"--history-per-customer must be between 0 and {MAX_HISTORY_PER_CUSTOMER}."
                )
                raise SystemExit(2)
            history: Counter[str] = Counter()
            started = time.monotonic()
            with tqdm(total=count, unit="customer", desc="Demo customers", file=sys.stderr) as bar:

                def show(done: int) -> None:
                    bar.update(done - bar.n)

                org, logins = demo_create(
                    customers=count,
                    progress=show,
                    history_per_customer=per_customer,
                    history_counts=history,
                )
            elapsed = time.monotonic() - started
            fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump([login.__dict__ for login in logins], handle, indent=2)
            self.stdout.write(f"Created {org.name} with {count} customers.")
            if history:
                self.stdout.write(history_summary(history))
            self.stdout.write(
                f"Took {elapsed:,.1f} s ({count / max(elapsed, 1e-9):,.0f} customers/s); "
                f"database {database_size()}."
            )
        if logins_file.exists():
            self.stdout.write("Demo logins (also in " + str(logins_file) + "):")
            for login in json.loads(logins_file.read_text()):
                self.stdout.write(f"  {login['role']:<9} {login['email']:<30} {login['password']}")
            self.stdout.write("The owner is asked to set up two-factor sign-in at first login.")
