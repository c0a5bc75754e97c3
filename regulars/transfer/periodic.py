"""Uploaded files are kept for 30 days, then deleted; the import's history stays. Export
files are deleted when their link expires."""

from __future__ import annotations

from datetime import time, timedelta

from regulars.jobs.scheduler import daily, every
from regulars.tenancy.models import Organization
from regulars.transfer.exports import exports_expire
from regulars.transfer.services import import_files_expire


@daily("transfer.files_expire", time(3, 30))
def files_expire(org: Organization) -> int:
    """A few deletes per organization and day: quick enough to run here, not as a job."""
    return import_files_expire(org=org)


@every("transfer.exports_expire", timedelta(minutes=10))
def exports_expire_due() -> int:
    """Export files past their link's time are deleted within ten minutes (a download
    checks the time itself, so a link never works late)."""
    return exports_expire()
