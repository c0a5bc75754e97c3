"""The bulk action job: batches of a snapshotted selection, each committed with its checkpoint."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction

from regulars.core.errors import DomainError
from regulars.jobs.registry import job_kind
from regulars.jobs.runner import JobContext
from regulars.lists.actions import ACTIONS, Tally
from regulars.lists.services import BATCH, selection_get
from regulars.tenancy.access import Cap


@job_kind("customers.bulk", label="Change many customers", capability=Cap.CUSTOMERS_EDIT)
def bulk_action(ctx: JobContext) -> dict[str, Any]:
    """Applies the action batch by batch. The tally so far rides in the checkpoint, so a
    worker killed mid-batch loses that batch's changes, audit entries and count together,
    and the resumed job redoes exactly that batch."""
    kind = ACTIONS.get(str(ctx.params.get("action")))
    if kind is None:
        raise DomainError.for_field("action", "Unknown bulk action.")
    action = kind(params=dict(ctx.params.get("params") or {}))
    selection = selection_get(
        org=ctx.org, actor=ctx.actor, selection_id=int(ctx.params["selection_id"])
    )
    ids = selection.ids
    batches = (len(ids) + BATCH - 1) // BATCH
    ctx.set_total(batches)
    saved = ctx.saved_checkpoint
    start = int(saved.get("next_batch", 0))
    tally = Tally(**saved.get("tally", {}))
    for batch in range(start, batches):
        ctx.check_cancel()
        with transaction.atomic():
            tally.add(
                action.apply(
                    org=ctx.org, actor=ctx.actor, ids=ids[batch * BATCH : (batch + 1) * BATCH]
                )
            )
            ctx.save_checkpoint({"next_batch": batch + 1, "tally": _counts(tally)}, done=batch + 1)
        if settings.JOB_TEST_UNIT_DELAY:
            time.sleep(settings.JOB_TEST_UNIT_DELAY)
        ctx.progress(batch + 1, message=f"{min(len(ids), (batch + 1) * BATCH):,} of {len(ids):,}")
    return {
        **tally.as_dict(),
        "message": f"{action.describe()}: {tally.changed:,} changed, {tally.unchanged:,} "
        f"unchanged, {tally.skipped:,} skipped.",
    }


def _counts(tally: Tally) -> dict[str, int]:
    return {"changed": tally.changed, "unchanged": tally.unchanged, "skipped": tally.skipped}
