"""`regulars sample_customers --org SLUG --count N`: the sample job in the foreground."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from regulars.jobs.models import Job
from regulars.jobs.runner import execute_job
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.jobs.services import job_start
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.commands import OrgCommand
from regulars.tenancy.models import Organization


class Command(OrgCommand):
    help = "Add sample customers to an organization, with a progress bar."
    capability = Cap.JOBS_START

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--count", type=int, required=True)

    def handle_org(self, *, org: Organization, actor: Actor, **options: Any) -> None:
        count = options["count"]
        if not 1 <= count <= SAMPLE_MAX:
            raise CommandError(f"--count must be between 1 and {SAMPLE_MAX:,}.")
        self.confirm(f"Add {count} sample customers to {org.name}?", options)
        job = job_start(
            org=org, actor=actor, kind="customers.sample", params={"count": count}, enqueue=False
        )
        with tqdm(total=None, unit="batch", desc="Sample customers", file=sys.stderr) as bar:

            def show(current: Job) -> None:
                if current.progress_total is not None and bar.total != current.progress_total:
                    bar.total = current.progress_total
                bar.n = current.progress_done
                bar.refresh()

            status = execute_job(job.pk, listener=show, foreground=True)
        job.refresh_from_db()
        if status != "succeeded":
            raise CommandError(f"The job ended {status}: {job.message}")
        self.stdout.write(job.message)
