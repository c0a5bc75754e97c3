"""`regulars recompute-aggregates --org SLUG [--check]`: the kept figures against the history.

Recomputes every customer's figures from their visits, orders and invoices (the one
computation of `history.figures`), reports what drifted (customers, fields, a count per
field, the first examples) and repairs it, or with `--check` only reports: exit status 1
when anything drifted, so a cron job or CI can alert on it.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from regulars.customers.models import Customer
from regulars.history.figures import figures_recompute
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.commands import OrgCommand
from regulars.tenancy.models import Organization

EXAMPLES = 20


class Command(OrgCommand):
    help = (
        "Recompute every customer's figures (total spent, visits, balances …) from the "
        "history, report drift and repair it (--check: report only, exit status 1 on drift)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--check", action="store_true", help="Report drift and change nothing.")

    def handle_org(self, *, org: Organization, actor: Actor, **options: Any) -> None:
        check = bool(options["check"])
        if not check and not actor.can(Cap.HISTORY_EDIT):
            raise CommandError(
                f"{actor.label} is {actor.role}; repairing needs {Cap.HISTORY_EDIT}."
            )
        total = Customer.objects.count()
        desc = "Checking figures" if check else "Recomputing figures"
        with tqdm(total=total, unit="customer", desc=desc, file=sys.stderr) as bar:

            def show(done: int) -> None:
                bar.update(done - bar.n)

            drift = figures_recompute(org=org, repair=not check, progress=show)
        customers = drift.customers
        self.stdout.write(
            f"Checked {drift.checked:,} customers of {org.name}: {customers:,} drifted "
            f"({drift.fields:,} fields)."
        )
        if drift:
            for name, count in drift.by_field.most_common():
                self.stdout.write(f"  {name:<22} {count:,}")
            shown = min(EXAMPLES, len(drift.examples))
            self.stdout.write(
                f"First {shown} of {drift.fields:,}: customer id, field, stored, computed"
            )
            for d in drift.examples[:EXAMPLES]:
                self.stdout.write(
                    f"  {d.customer_id:>10}  {d.field:<22} {d.stored!s:>14}  {d.computed!s}"
                )
        if check:
            if drift:
                self.stdout.write("Nothing changed (--check).")
                raise SystemExit(1)
            return
        if drift:
            self.stdout.write(f"Repaired {customers:,} customers.")
