"""Uploaded files are kept for 30 days, then deleted; the import's history stays."""

from __future__ import annotations

from datetime import time

from regulars.jobs.scheduler import daily
from regulars.tenancy.models import Organization
from regulars.transfer.services import import_files_expire


@daily("transfer.files_expire", time(3, 30))
def files_expire(org: Organization) -> int:
    """A few deletes per organization and day: quick enough to run here, not as a job."""
    return import_files_expire(org=org)
