"""Export files past their link's time are deleted; exports whose job ended without a file
are settled as failed. The scheduler runs both every ten minutes, organization by
organization; a download checks the time itself, so a link never works late."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from regulars.jobs.models import FINISHED
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import ExportRun, ExportStatus

logger = logging.getLogger(__name__)


def expire_one(run: ExportRun, *, now: datetime | None = None) -> bool:
    """Delete the file of a ready export past its time; True if this call expired it."""
    now = now or timezone.now()
    if run.status != ExportStatus.READY or run.expires_at is None or run.expires_at > now:
        return False
    changed = ExportRun.objects.filter(pk=run.pk, status=ExportStatus.READY).update(
        status=ExportStatus.EXPIRED, file_deleted_at=now
    )
    if changed and run.file:
        try:
            default_storage.delete(run.file.name)
        except OSError:
            logger.warning("Could not delete the expired export file %s", run.file.name)
    run.status = ExportStatus.EXPIRED
    run.file_deleted_at = now
    return bool(changed)


def exports_settle(*, now: datetime | None = None) -> dict[str, int]:
    """Expire what is due and fail what its job abandoned (refused, cancelled before it
    started, given up after the worker stopped too often), in every organization."""
    from regulars.transfer.exports import export_failed

    now = now or timezone.now()
    expired = failed = 0
    for org in Organization.objects.all():
        with tenant_scope(org):
            due = ExportRun.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
            for run in due.only("id", "status", "expires_at", "file"):
                expired += expire_one(run, now=now)
            stuck = ExportRun.objects.filter(
                status=ExportStatus.PREPARING, job__status__in=FINISHED
            ).select_related("job", "organization")
            for run in stuck:
                reason = (run.job.message if run.job else "") or "The export's job ended."
                failed += export_failed(run=run, actor=None, reason=reason)
    return {"expired": expired, "failed": failed}
