# ruff: noqa: N999  (the command is `regulars import`)
"""`regulars import FILE --org SLUG`: the page's import, in the foreground and scriptable.

It runs the same dry run and import jobs as the page, with a progress bar on stderr and
the counts on stdout; the exit status is non-zero when nothing could be imported.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from regulars.core.errors import DomainError
from regulars.customers.matching import KEYS
from regulars.jobs.models import Job
from regulars.jobs.runner import execute_job
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.commands import OrgCommand
from regulars.tenancy.models import Organization
from regulars.transfer.models import ImportMode, ImportRun
from regulars.transfer.services import (
    import_configure,
    import_review_start,
    import_start,
    import_upload,
)


class Command(OrgCommand):
    help = "Import customers from a CSV, XLSX or vCard file: a dry run, then the import."
    capability = Cap.TRANSFER_IMPORT

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="The file to import (.csv, .xlsx or .vcf).")
        parser.add_argument(
            "--mapping",
            default="auto",
            help="auto (headers matched automatically), or a JSON file: a list with one "
            'target per column, or an object {"header": "target"}.',
        )
        parser.add_argument("--mode", choices=ImportMode.values, default=None)
        parser.add_argument(
            "--match",
            default=None,
            help=f"Keys that find existing customers, in order, comma-separated ({', '.join(KEYS)}).",
        )
        parser.add_argument("--sheet", default=None, help="XLSX: the sheet to read.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file; import nothing."
        )
        parser.add_argument(
            "--fresh-consent",
            action="store_true",
            help="The file records fresh consent: opted-out customers may be opted in.",
        )
        parser.add_argument(
            "--blank-clears", action="store_true", help="Empty cells clear the existing value."
        )
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="Create categories named in the file that do not exist.",
        )

    def handle_org(self, *, org: Organization, actor: Actor, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            run = self._prepare(org, actor, path, options)
            self._job(org, actor, run, "review", import_review_start, "Checking")
            run.refresh_from_db()
            self._counts("Dry run", run.review.get("counts", {}), run.review.get("total", 0))
            for rejected in run.review.get("rejected", [])[:20]:
                reasons = "; ".join(
                    f"{e['column']}: {e['message']}" if e["column"] else e["message"]
                    for e in rejected["errors"]
                )
                self.stdout.write(f"  row {rejected['number']}: {reasons}")
            if options["dry_run"]:
                return
            counts = run.review.get("counts", {})
            if not (counts.get("created") or counts.get("updated")):
                raise CommandError("Nothing to import.")
            self.confirm(f"Import {run.original_name} into {org.name}?", options)
            self._job(org, actor, run, "import", import_start, "Importing")
            run.refresh_from_db()
        except DomainError as exc:
            fields = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            raise CommandError(fields) from exc
        self._counts("Imported", run.counts, sum(run.counts.values()))
        self.stdout.write(
            f"Import #{run.pk}. Rejected rows: the import's page offers them as a file."
        )

    def _prepare(
        self, org: Organization, actor: Actor, path: Path, options: dict[str, Any]
    ) -> ImportRun:
        with path.open("rb") as handle:
            run = import_upload(
                org=org, actor=actor, content=handle, name=path.name, sheet=options["sheet"]
            )
        mapping = None
        if options["mapping"] != "auto":
            mapping = self._mapping(Path(options["mapping"]), run.headers)
        keys = None
        if options["match"]:
            keys = [k.strip() for k in options["match"].split(",") if k.strip()]
        return import_configure(
            org=org,
            actor=actor,
            run_id=run.pk,
            mapping=mapping,
            mode=options["mode"],
            match_keys=keys,
            options={
                "fresh_consent": options["fresh_consent"],
                "blank_clears": options["blank_clears"],
                "create_categories": options["create_categories"],
            },
        )

    @staticmethod
    def _mapping(path: Path, headers: list[str]) -> list[dict[str, Any]]:
        try:
            given = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"--mapping: {path} is not a JSON file ({exc}).") from exc
        if isinstance(given, dict):
            return [{"target": given.get(h, "ignore")} for h in headers]
        if isinstance(given, list):
            return [e if isinstance(e, dict) else {"target": str(e)} for e in given]
        raise CommandError("--mapping: give a list of targets or an object {header: target}.")

    def _job(
        self, org: Organization, actor: Actor, run: ImportRun, name: str, start: Any, desc: str
    ) -> None:
        run = start(org=org, actor=actor, run_id=run.pk, enqueue=False)
        job = run.review_job if name == "review" else run.import_job
        if job is None:
            raise CommandError(f"The {name} did not start.")
        with tqdm(total=None, unit="row", desc=desc, file=sys.stderr) as bar:

            def show(current: Job) -> None:
                if current.progress_total is not None and bar.total != current.progress_total:
                    bar.total = current.progress_total
                bar.n = current.progress_done
                bar.refresh()

            status = execute_job(job.pk, listener=show, foreground=True)
        job.refresh_from_db()
        if status != "succeeded":
            raise CommandError(f"The {name} ended {status}: {job.message}")

    def _counts(self, title: str, counts: dict[str, int], total: int) -> None:
        self.stdout.write(
            f"{title}: {total:,} rows: {counts.get('created', 0):,} created, "
            f"{counts.get('updated', 0):,} updated, {counts.get('unchanged', 0):,} unchanged, "
            f"{counts.get('rejected', 0):,} rejected."
        )
