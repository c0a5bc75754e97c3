"""A new customer as plain data, free of Django: what the generator yields (it runs without
Django, in benchmarks that write files) and what the bulk insert writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ReminderRow:
    text: str
    due_in_days: int  # relative to the day of loading
    assignee_slot: int  # index into the organization's staff, modulo their number
    done: bool


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One generated customer: the columns of `Customer` plus what hangs off it."""

    index: int
    first_name: str
    last_name: str
    company: str
    email_raw: str
    email: str
    phone_mobile_raw: str
    phone_mobile: str
    phone_home_raw: str
    phone_home: str
    phone_work_raw: str
    phone_work: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    date_of_birth: date | None
    gender: str
    loyalty_card: str
    external_id: str
    status: str
    source: str
    discount_percent: Decimal | None
    email_consent: str
    sms_consent: str
    email_blocked: bool
    sms_blocked: bool
    all_locations: bool
    location_slot: int  # index into the organization's locations, modulo their number
    created_days_ago: int
    categories: tuple[str, ...] = ()
    # Custom field key → value: str, Decimal, date, bool, option label, or a tuple of labels.
    custom: dict[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    reminder: ReminderRow | None = None
    # Set on a deliberate near-duplicate: the index of the row it duplicates.
    duplicate_of: int | None = None
    # Given by an import; empty: the next number of the organization's sequence.
    account_number: str = ""
