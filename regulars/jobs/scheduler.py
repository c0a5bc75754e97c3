"""A small periodic scheduler run by `regulars worker` (django-tasks has none).

Every entry claims its slot by inserting a `ScheduledRun` row, so several workers never run
the same slot twice. Later apps register their own entries with `every` and `daily`.
Each tick first reads which of its due slots are already claimed, in one query, and only
inserts for the others: a claimed slot costs no failed INSERT (and no error line in
PostgreSQL's log) on every tick until the next slot.

A `daily` entry runs once a day per organization, inside that organization's tenant scope.
It runs inline in the scheduler's thread, which also runs the reaper: it should only start
a job (`jobs.services.job_start` with `system_actor(org, channel=Channel.SYSTEM)`) and
return, never do long work itself. The job then runs on a worker with progress, cancelling
and resuming like any other.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from regulars.jobs.models import ScheduledRun
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Every:
    name: str
    interval: timedelta
    run: Callable[[], object]


@dataclass(frozen=True)
class Daily:
    """Runs once a day per organization, at `at` in the organization's own time zone.

    `run` is called inside `tenant_scope(org)`; it should start a job, not do the work.
    """

    name: str
    at: time
    run: Callable[[Organization], object]


_EVERY: list[Every] = []
_DAILY: list[Daily] = []


def every(name: str, interval: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        _EVERY.append(Every(name, interval, func))
        return func

    return register


def daily(
    name: str, at: time
) -> Callable[[Callable[[Organization], object]], Callable[[Organization], object]]:
    def register(func: Callable[[Organization], object]) -> Callable[[Organization], object]:
        _DAILY.append(Daily(name, at, func))
        return func

    return register


def _claim(name: str, slot: str, org_id: int = 0) -> bool:
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=name, slot=slot, org_key=org_id)
    except IntegrityError:
        return False  # another worker claimed it between our read and this insert
    return True


def _claimed(names: set[str], slots: set[str]) -> set[tuple[str, str, int]]:
    """The (name, slot, org_key) claims already taken among these names and slots."""
    if not names or not slots:
        return set()
    rows = ScheduledRun.objects.filter(name__in=names, slot__in=slots).values_list(
        "name", "slot", "org_key"
    )
    return set(rows)


def tick(now: datetime | None = None) -> list[str]:
    """Run whatever is due; returns the names run (for logs and tests)."""
    now = now or timezone.now()
    ran: list[str] = []
    slots = {e.name: str(int(now.timestamp()) // int(e.interval.total_seconds())) for e in _EVERY}
    taken = _claimed(set(slots), set(slots.values()))
    for entry in _EVERY:
        slot = slots[entry.name]
        if (entry.name, slot, 0) not in taken and _claim(entry.name, slot):
            _safely(entry.name, entry.run)
            ran.append(entry.name)
    if _DAILY:
        ran += _tick_daily(now)
    return ran


def _tick_daily(now: datetime) -> list[str]:
    ran: list[str] = []
    due: list[tuple[Organization, str, Daily]] = []
    for org in Organization.objects.all():
        local = now.astimezone(zoneinfo.ZoneInfo(org.time_zone))
        due += [(org, local.date().isoformat(), d) for d in _DAILY if local.time() >= d.at]
    taken = _claimed({d.name for _o, _s, d in due}, {slot for _o, slot, _d in due})
    for org, slot, d in due:
        if (d.name, slot, org.pk) in taken or not _claim(d.name, slot, org.pk):
            continue
        with tenant_scope(org):
            _safely(f"{d.name}@{org.slug}", partial(d.run, org))
        ran.append(f"{d.name}@{org.slug}")
    return ran


def _safely(name: str, func: Callable[[], object]) -> None:
    try:
        func()
    except Exception:
        logger.exception("Scheduled %s failed", name)
