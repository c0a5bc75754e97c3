"""Filters on dates: age, date of birth, added, birthdays and reminders due.

"Today" is the organization's, in its time zone. Birthdays use the stored `birth_mmdd`
(month * 100 + day) so that "within N days" and "in a month" are index range scans.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django import forms
from django.db.models import Q, QuerySet

from regulars.core.errors import DomainError
from regulars.customers.filters import base
from regulars.customers.filters.base import Filter, QueryData, register
from regulars.customers.models import (
    Customer,
    Reminder,
)
from regulars.tenancy.models import Organization


def years_before(today: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


@register
class AgeFilter(Filter):
    """`age_min`, `age_max` in whole years, by today in the organization's time zone."""

    key = "age"
    params = ("age_min", "age_max")

    def parse(self, data: QueryData) -> tuple[int | None, int | None] | None:
        low = base.integer(data, "age_min", low=0, high=150)
        high = base.integer(data, "age_max", low=0, high=150)
        if low is None and high is None:
            return None
        if low is not None and high is not None and high < low:
            raise DomainError.for_field("age_max", "Must not be below the minimum age.")
        return low, high

    def apply(
        self,
        queryset: QuerySet[Customer],
        value: tuple[int | None, int | None],
        *,
        org: Organization,
    ) -> QuerySet[Customer]:
        low, high = value
        today = base.local_today(org)
        if low is not None:
            queryset = queryset.filter(date_of_birth__lte=years_before(today, low))
        if high is not None:
            queryset = queryset.filter(date_of_birth__gt=years_before(today, high + 1))
        return queryset

    def describe(self, value: tuple[int | None, int | None]) -> str:
        low, high = value
        if low is not None and high is not None:
            return f"aged {low}" if low == high else f"aged {low}–{high}"
        return f"aged {low} or over" if low is not None else f"aged up to {high}"

    def to_query(self, value: tuple[int | None, int | None]) -> list[tuple[str, str]]:
        return [(p, str(v)) for p, v in zip(self.params, value, strict=True) if v is not None]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "age_min": forms.IntegerField(label="Age from", required=False, min_value=0),
            "age_max": forms.IntegerField(label="Age to", required=False, min_value=0),
        }


class DateRangeFilter(Filter):
    label = ""
    noun = ""

    def parse(self, data: QueryData) -> tuple[date | None, date | None] | None:
        start, end = (base.day(data, p) for p in self.params)
        if start is None and end is None:
            return None
        if start is not None and end is not None and end < start:
            raise DomainError.for_field(self.params[1], "Must not be before the start date.")
        return start, end

    def describe(self, value: tuple[date | None, date | None]) -> str:
        start, end = value
        if start and end:
            return f"{self.noun} {base.shown_day(start)}–{base.shown_day(end)}"
        if start:
            return f"{self.noun} on or after {base.shown_day(start)}"
        return f"{self.noun} on or before {base.shown_day(end)}" if end else self.noun

    def to_query(self, value: tuple[date | None, date | None]) -> list[tuple[str, str]]:
        return [
            (p, v.isoformat()) for p, v in zip(self.params, value, strict=True) if v is not None
        ]

    def form_fields(self) -> dict[str, forms.Field]:
        widget = forms.DateInput(attrs={"type": "date"})
        return {
            self.params[0]: forms.DateField(
                label=f"{self.label} from", required=False, widget=widget
            ),
            self.params[1]: forms.DateField(
                label=f"{self.label} to", required=False, widget=widget
            ),
        }


@register
class BirthDateFilter(DateRangeFilter):
    key, params, label, noun = "dob", ("dob_from", "dob_to"), "Born", "born"

    def apply(
        self,
        queryset: QuerySet[Customer],
        value: tuple[date | None, date | None],
        *,
        org: Organization,
    ) -> QuerySet[Customer]:
        start, end = value
        if start:
            queryset = queryset.filter(date_of_birth__gte=start)
        if end:
            queryset = queryset.filter(date_of_birth__lte=end)
        return queryset


@register
class CreatedFilter(DateRangeFilter):
    """Days in the organization's time zone."""

    key, params, label, noun = "created", ("created_from", "created_to"), "Added", "added"

    def apply(
        self,
        queryset: QuerySet[Customer],
        value: tuple[date | None, date | None],
        *,
        org: Organization,
    ) -> QuerySet[Customer]:
        start, end = value
        if start:
            queryset = queryset.filter(created_at__gte=base.local_midnight(org, start))
        if end:
            queryset = queryset.filter(created_at__lt=base.local_midnight(org, base.next_day(end)))
        return queryset


def _mmdd(value: date) -> int:
    return value.month * 100 + value.day


@register
class BirthdayWithinFilter(Filter):
    """`birthday_within=N`: a birthday today or in the next N days (0–366), on birth_mmdd."""

    key = "birthday_within"
    params = ("birthday_within",)

    def parse(self, data: QueryData) -> int | None:
        return base.integer(data, "birthday_within", low=0, high=366)

    def apply(
        self, queryset: QuerySet[Customer], value: int, *, org: Organization
    ) -> QuerySet[Customer]:
        if value >= 365:
            return queryset.filter(birth_mmdd__isnull=False)
        today = base.local_today(org)
        start, end = _mmdd(today), _mmdd(today + timedelta(days=value))
        if start <= end:
            return queryset.filter(birth_mmdd__gte=start, birth_mmdd__lte=end)
        return queryset.filter(Q(birth_mmdd__gte=start) | Q(birth_mmdd__lte=end))

    def describe(self, value: int) -> str:
        if value == 0:
            return "birthday today"
        return f"birthday within {value} day{'s' if value != 1 else ''}"

    def to_query(self, value: int) -> list[tuple[str, str]]:
        return [("birthday_within", str(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "birthday_within": forms.IntegerField(
                label="Birthday within (days)", required=False, min_value=0, max_value=366
            )
        }


@register
class BirthdayMonthFilter(Filter):
    """`birthday_month=1..12`."""

    key = "birthday_month"
    params = ("birthday_month",)

    def parse(self, data: QueryData) -> int | None:
        return base.integer(data, "birthday_month", low=1, high=12)

    def apply(
        self, queryset: QuerySet[Customer], value: int, *, org: Organization
    ) -> QuerySet[Customer]:
        return queryset.filter(birth_mmdd__gte=value * 100 + 1, birth_mmdd__lte=value * 100 + 31)

    def describe(self, value: int) -> str:
        return f"birthday in {calendar.month_name[value]}"

    def to_query(self, value: int) -> list[tuple[str, str]]:
        return [("birthday_month", str(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        months = [("", "Any")] + [(str(m), calendar.month_name[m]) for m in range(1, 13)]
        return {
            "birthday_month": forms.ChoiceField(label="Birthday in", required=False, choices=months)
        }


@register
class ReminderDueFilter(Filter):
    """`reminder_due_by=YYYY-MM-DD`: an open reminder due on or before the day."""

    key = "reminder_due_by"
    params = ("reminder_due_by",)

    def parse(self, data: QueryData) -> date | None:
        return base.day(data, "reminder_due_by")

    def apply(
        self, queryset: QuerySet[Customer], value: date, *, org: Organization
    ) -> QuerySet[Customer]:
        due = Reminder.objects.filter(done_at__isnull=True, due_date__lte=value)
        return queryset.filter(id__in=due.values("customer_id"))

    def describe(self, value: date) -> str:
        return f"with a reminder due by {base.shown_day(value)}"

    def to_query(self, value: date) -> list[tuple[str, str]]:
        return [("reminder_due_by", value.isoformat())]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "reminder_due_by": forms.DateField(
                label="Reminder due by",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        }
