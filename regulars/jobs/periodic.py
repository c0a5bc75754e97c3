"""The platform's own periodic work: the reaper and the cleanups."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from regulars.jobs.models import ScheduledRun
from regulars.jobs.scheduler import every
from regulars.jobs.services import jobs_reap


@every("jobs.reap", timedelta(minutes=1))
def reap() -> object:
    return jobs_reap()


@every("jobs.cleanup", timedelta(hours=1))
def cleanup() -> None:
    """Finished task results and old schedule slots are pruned; Job rows are kept."""
    call_command("prune_db_task_results", min_age_days=7, verbosity=0)
    ScheduledRun.objects.filter(created_at__lt=timezone.now() - timedelta(days=14)).delete()
