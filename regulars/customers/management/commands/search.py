"""`regulars search rebuild [--org SLUG]`: recompute the search columns and the index."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from regulars.customers.search import search_index_rebuild, search_rebuild
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope


class Command(BaseCommand):
    help = "Customer search upkeep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild",
            help="Recompute every customer's search columns (of one organization with --org), "
            "then the trigram index.",
        )
        rebuild.add_argument("--org", help="Only this organization's customers (its slug).")
        rebuild.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.get("org")
        orgs = Organization.objects.order_by("id")
        if slug:
            orgs = orgs.filter(slug=slug)
            if not orgs.exists():
                raise CommandError(f"No organization with the slug {slug!r}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = 0
        for org in orgs:
            with (
                tenant_scope(org),
                tqdm(unit="customer", desc=org.slug, file=sys.stderr) as bar,
            ):

                def show(done: int, bar: tqdm[Any] = bar) -> None:
                    bar.update(done - bar.n)

                total += search_rebuild(org=org, batch_size=options["batch_size"], progress=show)
        if not slug:
            # The whole index from the table: also mends an index that drifted.
            search_index_rebuild()
        self.stdout.write(f"Search rebuilt: {total} customer(s) changed.")
