"""`regulars export --org SLUG --actor EMAIL …`: the page's export, in the foreground.

The same request, job and data log as the page and the API (the file is made by the
export job with a progress bar on stderr), then copied to `--output`; the copy is logged
as a download, like a click on the emailed link.
"""

from __future__ import annotations

import shutil
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.http import QueryDict
from tqdm import tqdm

from regulars.core.errors import DomainError
from regulars.jobs.models import Job
from regulars.jobs.runner import execute_job
from regulars.lists.list_state import saved_view_list
from regulars.tenancy.access import Actor
from regulars.tenancy.commands import OrgCommand
from regulars.tenancy.models import Organization
from regulars.transfer.exports import ExportAsk, export_download, export_request
from regulars.transfer.models import ExportFormat, ExportRun, ExportScope


class Command(OrgCommand):
    help = (
        "Export customers (a list's search and filters, a saved view, or everyone) to CSV or XLSX."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--format", choices=ExportFormat.values, required=True)
        parser.add_argument("--output", required=True, help="The file to write.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--view", help="A saved view's name (yours or a shared one).")
        which.add_argument(
            "--query",
            default="",
            help="The customer list's query string, e.g. 'q=smith&category=3&sort=-created_at'.",
        )
        which.add_argument("--selection", type=int, help="A selection's id (from the API).")
        which.add_argument("--all", action="store_true", help="Every customer.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="One filter of the list (repeatable), e.g. --filter status=all --filter city=Leeds.",
        )
        parser.add_argument(
            "--columns",
            default="",
            help="Column keys, comma-separated (default: the view's or the actor's list columns).",
        )
        parser.add_argument("--force", action="store_true", help="Overwrite --output.")

    def handle_org(self, *, org: Organization, actor: Actor, **options: Any) -> None:
        if actor.user is None:
            raise CommandError("Name the person exporting with --actor EMAIL; exports are logged.")
        output = Path(options["output"])
        if output.exists() and not options["force"]:
            raise CommandError(f"{output} exists; pass --force to overwrite it.")
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} is not a folder.")
        try:
            ask = self._ask(org, actor, options)
            run = export_request(org=org, actor=actor, ask=ask, ip=None, enqueue=False)
            self._run_job(run)
            run, source = export_download(org=org, actor=actor, ip=None, export_id=run.pk)
        except DomainError as exc:
            fields = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            raise CommandError(fields) from exc
        with source, output.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        self.stdout.write(
            f"{run.row_count:,} customers ({run.description}) written to {output}; "
            f"SHA-256 {run.sha256}. Export #{run.pk} is in the data log."
        )

    def _ask(self, org: Organization, actor: Actor, options: dict[str, Any]) -> ExportAsk:
        columns = [c.strip() for c in options["columns"].split(",") if c.strip()] or None
        fmt = options["format"]
        if options["view"]:
            views = saved_view_list(org=org, actor=actor).filter(name=options["view"])
            view = views.first()
            if view is None:
                raise CommandError(f"No saved view named {options['view']!r} that you can open.")
            return ExportAsk(ExportScope.VIEW, fmt, view_id=view.pk, columns=columns)
        if options["selection"]:
            return ExportAsk(
                ExportScope.SELECTION, fmt, selection_id=options["selection"], columns=columns
            )
        if options["all"]:
            return ExportAsk(ExportScope.ALL, fmt, columns=columns)
        query = QueryDict(options["query"], mutable=True)
        for pair in options["filter"]:
            name, sep, value = pair.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--filter {pair!r}: write it as NAME=VALUE.")
            query.appendlist(name.strip(), value)
        return ExportAsk(ExportScope.LIST, fmt, query=query.urlencode(), columns=columns)

    def _run_job(self, run: ExportRun) -> None:
        if run.job is None:
            raise CommandError("The export did not start.")
        with tqdm(total=None, unit="customer", desc="Exporting", file=sys.stderr) as bar:

            def show(current: Job) -> None:
                if current.progress_total is not None and bar.total != current.progress_total:
                    bar.total = current.progress_total
                bar.n = current.progress_done
                bar.refresh()

            status = execute_job(run.job.pk, listener=show, foreground=True)
        run.job.refresh_from_db()
        if status != "succeeded":
            raise CommandError(f"The export ended {status}: {run.job.message}")
