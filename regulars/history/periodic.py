"""Daily: the rolling windows (spend and visits in the last 30/90/365 days), "overdue" and
"lapsed" move with the calendar, so every customer with recent history is recomputed at the
organization's night; idempotency keys older than 30 days are dropped."""

from __future__ import annotations

from datetime import time

from regulars.history.figures import figures_refresh_day
from regulars.history.idempotency import idempotency_keys_expire
from regulars.jobs.scheduler import daily
from regulars.tenancy.models import Organization


@daily("history.figures_day", time(0, 20))
def figures_day(org: Organization) -> int:
    return figures_refresh_day(org=org)


@daily("history.idempotency_expire", time(3, 40))
def idempotency_expire(org: Organization) -> int:
    return idempotency_keys_expire(org=org)
