"""The sample-customers job: the demo generator and loader, as a resumable job."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction

from regulars.core.errors import DomainError
from regulars.customers.services import default_locations
from regulars.demo.generator import CustomerGenerator
from regulars.demo.loader import LoadPlan, customers_insert
from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobContext
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.tenancy.access import Cap

SAMPLE_BATCH = 50


@job_kind("customers.sample", label="Add sample customers", capability=Cap.JOBS_START)
def add_sample_customers(ctx: JobContext) -> dict[str, Any]:
    """Adds `count` sample customers in batches; each batch commits with its checkpoint.

    A worker killed mid-batch loses that batch and its checkpoint together, so the resumed
    job redoes exactly that batch (the generator gives row *n* the same values every time)
    and every customer is created once.
    """
    count = ctx.params.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= SAMPLE_MAX:
        raise DomainError.for_field("count", f"Choose between 1 and {SAMPLE_MAX:,} customers.")
    batches = (count + SAMPLE_BATCH - 1) // SAMPLE_BATCH
    ctx.set_total(batches)
    start = int(ctx.saved_checkpoint.get("next_batch", 0))
    # The tag keeps emails, cards and external ids of different jobs apart in one organization.
    generator = CustomerGenerator(
        ctx.job.pk,
        region=ctx.org.country,
        tag=f"s{ctx.job.pk}-",
        email_rate=1.0,
        duplicate_rate=0.0,
    )
    # Like a customer added on the page: a location-limited member's go to their locations.
    all_locations, locations = default_locations(ctx.actor)
    plan = LoadPlan(
        locations=locations,
        all_locations=all_locations,
        notes=False,
        reminders=False,
        backdate=False,
        audit_source="sample",
    )
    for batch in range(start, batches):
        first, last = batch * SAMPLE_BATCH, min(count, (batch + 1) * SAMPLE_BATCH)
        with transaction.atomic():
            customers_insert(
                org=ctx.org,
                actor=ctx.actor,
                rows=list(generator.rows(first, last - first)),
                plan=plan,
            )
            ctx.save_checkpoint({"next_batch": batch + 1}, done=batch + 1)
        if settings.JOB_TEST_UNIT_DELAY:
            time.sleep(settings.JOB_TEST_UNIT_DELAY)
        ctx.progress(batch + 1, message=f"{last} of {count} customers added")
    return {
        # Created by this run: a resumed job did its first `start` batches before.
        "created": max(0, count - start * SAMPLE_BATCH),
        "message": f"{count} sample customers added.",
    }
