"""Uploaded files are kept for 30 days, then deleted; the import's history stays. Export
files are deleted when their link expires."""

from __future__ import annotations

from datetime import time, timedelta

from regulars.jobs.scheduler import daily, every
from regulars.tenancy.models import Organization
from regulars.transfer.export_expiry import exports_settle
from regulars.transfer.services import import_files_expire


@daily("transfer.files_expire", time(3, 30))
def files_expire(org: Organization) -> int:
    """A few deletes per organization and day: quick enough to run here, not as a job."""
    return import_files_expire(org=org)


@every("transfer.exports_settle", timedelta(minutes=10))
def exports_due() -> dict[str, int]:
    """Expired links lose their files; exports whose job ended without one are failed."""
    return exports_settle()
