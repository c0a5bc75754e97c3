"""`regulars demo`: an organization with locations, staff and generated customers to try."""

from __future__ import annotations

import json
import os
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from regulars.demo.org import DEMO_SLUG, demo_create
from regulars.tenancy.models import Organization

MAX_CUSTOMERS = 1_000_000


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


class Command(BaseCommand):
    help = "Create the demo organization (once) and print its logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=2000)

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
            started = time.monotonic()
            with tqdm(total=count, unit="customer", desc="Demo customers", file=sys.stderr) as bar:

                def show(done: int) -> None:
                    bar.update(done - bar.n)

                org, logins = demo_create(customers=count, progress=show)
            elapsed = time.monotonic() - started
            fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump([login.__dict__ for login in logins], handle, indent=2)
            self.stdout.write(f"Created {org.name} with {count} customers.")
            self.stdout.write(
                f"Took {elapsed:,.1f} s ({count / max(elapsed, 1e-9):,.0f} customers/s); "
                f"database {database_size()}."
            )
        if logins_file.exists():
            self.stdout.write("Demo logins (also in " + str(logins_file) + "):")
            for login in json.loads(logins_file.read_text()):
                self.stdout.write(f"  {login['role']:<9} {login['email']:<30} {login['password']}")
            self.stdout.write("The owner is asked to set up two-factor sign-in at first login.")
