"""A small periodic scheduler run by `regulars worker` (django-tasks has none).

Every entry claims its slot by inserting a `ScheduledRun` row, so several workers never run
the same slot twice. Later apps register their own entries with `every` and `daily`.
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

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Every:
    name: str
    interval: timedelta
    run: Callable[[], object]


@dataclass(frozen=True)
class Daily:
    """Runs once a day per organization, at `at` in the organization's own time zone."""

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
        return False
    return True


def tick(now: datetime | None = None) -> list[str]:
    """Run whatever is due; returns the names run (for logs and tests)."""
    now = now or timezone.now()
    ran: list[str] = []
    for entry in _EVERY:
        seconds = int(entry.interval.total_seconds())
        slot = str(int(now.timestamp()) // seconds)
        if _claim(entry.name, slot):
            _safely(entry.name, entry.run)
            ran.append(entry.name)
    if _DAILY:
        for org in Organization.objects.all():
            local = now.astimezone(zoneinfo.ZoneInfo(org.time_zone))
            for d in _DAILY:
                if local.time() >= d.at and _claim(d.name, local.date().isoformat(), org.pk):
                    _safely(f"{d.name}@{org.slug}", partial(d.run, org))
                    ran.append(f"{d.name}@{org.slug}")
    return ran


def _safely(name: str, func: Callable[[], object]) -> None:
    try:
        func()
    except Exception:
        logger.exception("Scheduled %s failed", name)
