"""Parsing of history input shared by every writer: money, days, local times, choices.

Each problem names its field, so the page puts it on the input and the API answers a 400
naming it.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from regulars.core.errors import DomainError
from regulars.tenancy.models import Location, Organization

MONEY_MAX = Decimal("9999999999.99")  # what Decimal(12,2) holds
CENT = Decimal("0.01")
NOTE_MAX = 2000


def money(value: Any, name: str, *, negative: bool = False, required: bool = True) -> Decimal:
    """An amount with at most two decimals; floats are refused (0.1 + 0.2 is not money)."""
    if value is None or value == "":
        if required:
            raise DomainError.for_field(name, "Enter an amount, e.g. 42.50.")
        return Decimal("0")
    if isinstance(value, (bool, float)):
        raise DomainError.for_field(name, "Send the amount as a string or a whole number.")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise DomainError.for_field(name, "Enter an amount, e.g. 42.50.") from None
    if not amount.is_finite():
        raise DomainError.for_field(name, "Enter an amount, e.g. 42.50.")
    if abs(amount) > MONEY_MAX:
        raise DomainError.for_field(name, "The amount is too large.")
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise DomainError.for_field(name, "At most two decimals.")
    if amount < 0 and not negative:
        raise DomainError.for_field(name, "Must not be negative.")
    return amount.quantize(CENT)


def day(value: Any, name: str, *, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            raise DomainError.for_field(name, "Enter a date as YYYY-MM-DD.")
        return None
    if isinstance(value, datetime):
        raise DomainError.for_field(name, "Enter a date as YYYY-MM-DD.")
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise DomainError.for_field(name, "Enter a date as YYYY-MM-DD.") from None
    if not 1900 <= parsed.year <= 2200:
        raise DomainError.for_field(name, "Enter a date between 1900 and 2200.")
    return parsed


def moment(org: Organization, value: Any, name: str) -> datetime:
    """An aware datetime. A time without a zone (what the page's input sends) is the
    organization's local time."""
    if value is None or value == "":
        raise DomainError.for_field(name, "Enter a date and time, e.g. 2026-03-01T14:30.")
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(12, 0))
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise DomainError.for_field(
                name, "Enter a date and time, e.g. 2026-03-01T14:30."
            ) from None
    if not 1900 <= parsed.year <= 2200:
        raise DomainError.for_field(name, "Enter a date between 1900 and 2200.")
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(org.time_zone))
    return parsed.replace(microsecond=0)


def local_day(org: Organization, value: datetime) -> date:
    return value.astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def local_input(org: Organization, value: datetime) -> str:
    """The value for a datetime-local input, in the organization's time."""
    return value.astimezone(zoneinfo.ZoneInfo(org.time_zone)).strftime("%Y-%m-%dT%H:%M")


def choice(value: Any, name: str, allowed: list[str], *, blank: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if blank and not text:
        return ""
    if text not in allowed:
        raise DomainError.for_field(name, f"Choose one of: {', '.join(allowed)}.")
    return text


def note(value: Any, name: str = "note", *, limit: int = NOTE_MAX) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise DomainError.for_field(name, "Must not contain NUL characters.")
    if len(text) > limit:
        raise DomainError.for_field(name, f"At most {limit:,} characters.")
    return text


def text(value: Any, name: str, *, limit: int, required: bool = False) -> str:
    cleaned = note(value, name, limit=limit)
    if required and not cleaned:
        raise DomainError.for_field(name, "This field is required.")
    return cleaned


def location(org: Organization, value: Any, name: str = "location_id") -> Location | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError.for_field(name, "Choose a location by its id.")
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise DomainError.for_field(name, "Choose a location by its id.") from None
    found = Location.objects.filter(pk=pk).first()  # scoped to the organization
    if found is None:
        raise DomainError.for_field(name, "No location of this organization has this id.")
    return found
