"""Account numbers: the organization's prefix and a sequence that never hands out a number twice.

Allocation is one UPDATE of the organization's counter row inside the caller's transaction.
On PostgreSQL the UPDATE takes the row lock, so a concurrent create waits for the first to
commit and then reads the advanced value; on SQLite every write transaction starts
IMMEDIATE (settings), so the same UPDATE is serialised by the database lock. Neither relies
on reading MAX() and adding one, which two concurrent creates would both do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Greatest

from regulars.customers.models import AccountCounter, Customer
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

WIDTH = 6


def _ensure_counter(org: Organization) -> None:
    # ignore_conflicts: two first creates of a new organization race to insert the row.
    AccountCounter.objects.bulk_create(
        [AccountCounter(organization=org, next_value=1)], ignore_conflicts=True
    )


def format_account_number(org: Organization, value: int) -> str:
    return f"{org.account_prefix}{value:0{WIDTH}d}"


def account_numbers_allocate(*, org: Organization, count: int = 1) -> list[str]:
    """`count` fresh numbers for new customers; call inside the creating transaction."""
    assert_in_scope(org)
    if count <= 0:
        return []
    _ensure_counter(org)
    counters = AccountCounter.objects.filter(organization=org)
    while True:
        counters.update(next_value=F("next_value") + count)
        end = counters.values_list("next_value", flat=True).get()
        numbers = [format_account_number(org, n) for n in range(end - count, end)]
        # A number typed in another prefix's form before the prefix changed may already be
        # held: step past the whole block (rare) rather than fail every create after it.
        if not Customer.objects.filter(account_number__in=numbers).exists():
            return numbers


def account_number_value(org: Organization, account_number: str) -> int | None:
    """The sequence number inside a number of this organization's form, e.g. C000123 → 123."""
    match = re.fullmatch(rf"{re.escape(org.account_prefix)}(\d{{1,15}})", account_number)
    return int(match.group(1)) if match else None


def account_numbers_note_used(*, org: Organization, numbers: Iterable[str]) -> None:
    """Moves the sequence past numbers given explicitly (an import, a typed number), so the
    next allocated number cannot collide with them."""
    assert_in_scope(org)
    values = [v for v in (account_number_value(org, n) for n in numbers) if v is not None]
    if not values:
        return
    _ensure_counter(org)
    AccountCounter.objects.filter(organization=org).update(
        next_value=Greatest(F("next_value"), max(values) + 1)
    )
