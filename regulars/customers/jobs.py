"""Customer job kinds."""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.db import transaction

from regulars.audit.services import AuditItem, audit_record_many
from regulars.core.errors import DomainError
from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.models import Customer
from regulars.customers.sample import sample_person
from regulars.customers.services import default_locations
from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobContext
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.tenancy.access import Cap

SAMPLE_BATCH = 50


@job_kind("customers.sample", label="Add sample customers", capability=Cap.JOBS_START)
def add_sample_customers(ctx: JobContext) -> dict[str, Any]:
    """Adds `count` sample customers in batches; each batch commits with its checkpoint.

    A worker killed mid-batch loses that batch and its checkpoint together, so the resumed
    job redoes exactly that batch and every customer is created once.
    """
    count = ctx.params.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= SAMPLE_MAX:
        raise DomainError.for_field("count", f"Choose between 1 and {SAMPLE_MAX:,} customers.")
    batches = (count + SAMPLE_BATCH - 1) // SAMPLE_BATCH
    ctx.set_total(batches)
    start = int(ctx.saved_checkpoint.get("next_batch", 0))
    tag = f"s{ctx.job.pk}-"
    # Like a customer added on the page: a location-limited member's go to their locations.
    all_locations, locations = default_locations(ctx.actor)
    through = Customer.locations.through
    for batch in range(start, batches):
        rng = random.Random(f"{ctx.job.pk}-{batch}")  # noqa: S311 (sample data, not security)
        first, last = batch * SAMPLE_BATCH, min(count, (batch + 1) * SAMPLE_BATCH)
        with transaction.atomic():
            numbers = account_numbers_allocate(org=ctx.org, count=last - first)
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        organization=ctx.org,
                        all_locations=all_locations,
                        account_number=number,
                        **sample_person(rng, n, tag),
                    )
                    for n, number in zip(range(first, last), numbers, strict=True)
                ]
            )
            through.objects.bulk_create(
                [
                    through(customer_id=c.pk, location_id=loc.pk)
                    for c in customers
                    for loc in locations
                ]
            )
            audit_record_many(
                org=ctx.org,
                actor=ctx.actor,
                items=[
                    AuditItem(
                        action="customers.customer.created", target=c, changes={"source": "sample"}
                    )
                    for c in customers
                ],
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
