"""The figure filters of the customer list: spend and visits (overall, recent, or in any
date range), first and last visit, balance, overdue invoices, late payers and lapsed
customers. All but the date range read the figures kept on the customer through their
(organization, column) indexes; the date range reads the history's (organization, day)
indexes and aggregates per customer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL

from regulars.core.errors import DomainError
from regulars.customers.filters import base
from regulars.customers.filters.base import Filter, QueryData, register
from regulars.customers.filters.dates import DateRangeFilter
from regulars.customers.filters.record import YesNoFilter
from regulars.customers.models import Customer
from regulars.history.models import Order, Visit, VisitStatus
from regulars.tenancy.models import Organization

MONEY_HIGH = Decimal("9999999999.99")


def amount(data: QueryData, param: str) -> Decimal | None:
    text = base.raw(data, param)
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not Decimal(0) <= value <= MONEY_HIGH:
        raise DomainError.for_field(param, "Enter an amount of 0 or more, e.g. 250 or 99.50.")
    return value.quantize(Decimal("0.01"))


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


class RangeFilter(Filter):
    """`<key>_min` / `<key>_max` over one kept column."""

    column = ""
    noun = ""
    label = ""
    money = True

    def _read(self, data: QueryData, param: str) -> Any:
        if self.money:
            return amount(data, param)
        return base.integer(data, param, low=0, high=1_000_000)

    def parse(self, data: QueryData) -> tuple[Any, Any] | None:
        low, high = (self._read(data, p) for p in self.params)
        if low is None and high is None:
            return None
        if low is not None and high is not None and high < low:
            raise DomainError.for_field(self.params[1], "Must not be below the minimum.")
        return low, high

    def apply(
        self, queryset: QuerySet[Customer], value: tuple[Any, Any], *, org: Organization
    ) -> QuerySet[Customer]:
        low, high = value
        if low is not None:
            queryset = queryset.filter(**{f"{self.column}__gte": low})
        if high is not None:
            queryset = queryset.filter(**{f"{self.column}__lte": high})
        return queryset

    def _shown(self, value: Any) -> str:
        return _money(value) if self.money else f"{value:,}"

    def describe(self, value: tuple[Any, Any]) -> str:
        low, high = value
        if low is not None and high is not None:
            return f"{self.noun} {self._shown(low)}–{self._shown(high)}"
        if low is not None:
            return f"{self.noun} {self._shown(low)} or more"
        return f"{self.noun} up to {self._shown(high)}"

    def to_query(self, value: tuple[Any, Any]) -> list[tuple[str, str]]:
        return [(p, str(v)) for p, v in zip(self.params, value, strict=True) if v is not None]

    def form_fields(self) -> dict[str, forms.Field]:
        field = forms.DecimalField if self.money else forms.IntegerField
        return {
            self.params[0]: field(label=f"{self.label} from", required=False, min_value=0),
            self.params[1]: field(label=f"{self.label} to", required=False, min_value=0),
        }


@register
class SpentFilter(RangeFilter):
    key, params, column = "spent", ("spent_min", "spent_max"), "total_spent"
    noun, label = "spent", "Total spent"


@register
class VisitCountFilter(RangeFilter):
    key, params, column = "visits", ("visits_min", "visits_max"), "visit_count"
    noun, label, money = "visits", "Visits", False


WINDOW_DAYS = ("30", "90", "365")


@register
class RecentFilter(Filter):
    """Spend or visits in the last 30, 90 or 365 days (kept, refreshed daily):
    `recent_days` (default 90), `recent_spent_min`, `recent_visits_min`."""

    key = "recent"
    params = ("recent_days", "recent_spent_min", "recent_visits_min")

    def parse(self, data: QueryData) -> tuple[int, Decimal | None, int | None] | None:
        days = base.choices(data, "recent_days", {d: d for d in WINDOW_DAYS})
        spent = amount(data, "recent_spent_min")
        visits = base.integer(data, "recent_visits_min", low=0, high=100_000)
        if spent is None and visits is None:
            return None
        if days is not None and len(days) > 1:
            raise DomainError.for_field("recent_days", "Choose one of 30, 90 or 365.")
        return int(days[0]) if days else 90, spent, visits

    def apply(
        self, queryset: QuerySet[Customer], value: tuple[int, Any, Any], *, org: Organization
    ) -> QuerySet[Customer]:
        days, spent, visits = value
        if spent is not None:
            queryset = queryset.filter(**{f"spent_{days}__gte": spent})
        if visits is not None:
            queryset = queryset.filter(**{f"visits_{days}__gte": visits})
        return queryset

    def describe(self, value: tuple[int, Any, Any]) -> str:
        days, spent, visits = value
        parts = []
        if spent is not None:
            parts.append(f"spent {_money(spent)} or more")
        if visits is not None:
            parts.append(f"{visits} or more visits")
        return f"{' and '.join(parts)} in the last {days} days"

    def to_query(self, value: tuple[int, Any, Any]) -> list[tuple[str, str]]:
        days, spent, visits = value
        pairs = [("recent_days", str(days))]
        if spent is not None:
            pairs.append(("recent_spent_min", str(spent)))
        if visits is not None:
            pairs.append(("recent_visits_min", str(visits)))
        return pairs

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "recent_days": forms.ChoiceField(
                label="In the last",
                required=False,
                choices=[("30", "30 days"), ("90", "90 days"), ("365", "365 days")],
            ),
            "recent_spent_min": forms.DecimalField(
                label="Spent at least", required=False, min_value=0
            ),
            "recent_visits_min": forms.IntegerField(
                label="Visits at least", required=False, min_value=0
            ),
        }


@register
class FirstVisitFilter(DateRangeFilter):
    key, params, label, noun = (
        "first_visit",
        ("first_visit_from", "first_visit_to"),
        "First visit",
        "first visit",
    )

    def apply(
        self,
        queryset: QuerySet[Customer],
        value: tuple[date | None, date | None],
        *,
        org: Organization,
    ) -> QuerySet[Customer]:
        start, end = value
        if start:
            queryset = queryset.filter(first_visit__gte=start)
        if end:
            queryset = queryset.filter(first_visit__lte=end)
        return queryset


@register
class NoVisitSinceFilter(Filter):
    """`no_visit_since=YYYY-MM-DD`: customers who have visited, but not on or after that day."""

    key = "no_visit_since"
    params = ("no_visit_since",)

    def parse(self, data: QueryData) -> date | None:
        return base.day(data, "no_visit_since")

    def apply(
        self, queryset: QuerySet[Customer], value: date, *, org: Organization
    ) -> QuerySet[Customer]:
        return queryset.filter(last_visit__lt=value)

    def describe(self, value: date) -> str:
        return f"no visit since {base.shown_day(value)}"

    def to_query(self, value: date) -> list[tuple[str, str]]:
        return [("no_visit_since", value.isoformat())]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "no_visit_since": forms.DateField(
                label="No visit since",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        }


@register
class BalanceFilter(Filter):
    key = "balance"
    params = ("balance_min",)

    def parse(self, data: QueryData) -> Decimal | None:
        return amount(data, "balance_min")

    def apply(
        self, queryset: QuerySet[Customer], value: Decimal, *, org: Organization
    ) -> QuerySet[Customer]:
        # "Over" 0 means owing anything: a strict bound.
        return queryset.filter(outstanding_balance__gt=value)

    def describe(self, value: Decimal) -> str:
        return f"owing more than {_money(value)}"

    def to_query(self, value: Decimal) -> list[tuple[str, str]]:
        return [("balance_min", str(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "balance_min": forms.DecimalField(label="Owing more than", required=False, min_value=0)
        }


@register
class OverdueFilter(Filter):
    """Old outstanding invoices: an unpaid invoice overdue by more than N days."""

    key = "overdue"
    params = ("overdue_days",)

    def parse(self, data: QueryData) -> int | None:
        return base.integer(data, "overdue_days", low=0, high=36_500)

    def apply(
        self, queryset: QuerySet[Customer], value: int, *, org: Organization
    ) -> QuerySet[Customer]:
        return queryset.filter(oldest_overdue_on__lt=base.local_today(org) - timedelta(days=value))

    def describe(self, value: int) -> str:
        return f"an invoice overdue by more than {value} days" if value else "an invoice overdue"

    def to_query(self, value: int) -> list[tuple[str, str]]:
        return [("overdue_days", str(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "overdue_days": forms.IntegerField(
                label="Invoice overdue by more than (days)", required=False, min_value=0
            )
        }


@register
class LatePayerFilter(Filter):
    """Poor payers: the share of their paid invoices that were paid after the due date."""

    key = "late_payer"
    params = ("late_share_min",)

    def parse(self, data: QueryData) -> int | None:
        return base.integer(data, "late_share_min", low=0, high=100)

    def apply(
        self, queryset: QuerySet[Customer], value: int, *, org: Organization
    ) -> QuerySet[Customer]:
        return queryset.filter(late_paid_share__gte=Decimal(value) / 100)

    def describe(self, value: int) -> str:
        return f"paid {value} % or more of invoices late"

    def to_query(self, value: int) -> list[tuple[str, str]]:
        return [("late_share_min", str(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "late_share_min": forms.IntegerField(
                label="Paid late (% of invoices) at least",
                required=False,
                min_value=0,
                max_value=100,
            )
        }


@register
class LapsedFilter(YesNoFilter):
    """No visit for more than twice their usual interval (`lapses_on` is kept)."""

    key, params, label = "lapsed", ("lapsed",), "Lapsed (no visit for twice their usual interval)"
    yes_words, no_words = "lapsed", "not lapsed"

    def apply(
        self, queryset: QuerySet[Customer], value: str, *, org: Organization
    ) -> QuerySet[Customer]:
        today = base.local_today(org)
        if value == "yes":
            return queryset.filter(lapses_on__lt=today)
        return queryset.filter(lapses_on__gte=today)


PERIOD_PARAMS = ("period_from", "period_to", "period_spent_min", "period_visits_min")


@register
class PeriodFilter(Filter):
    """Spend or visits in any date range, computed from the history (not kept):
    `period_from`, `period_to` (days in the organization's time zone), and
    `period_spent_min` and/or `period_visits_min`."""

    key = "period"
    params = PERIOD_PARAMS

    def parse(self, data: QueryData) -> tuple[date, date, Decimal | None, int | None] | None:
        start, end = base.day(data, "period_from"), base.day(data, "period_to")
        spent = amount(data, "period_spent_min")
        visits = base.integer(data, "period_visits_min", low=0, high=100_000)
        if start is None and end is None and spent is None and visits is None:
            return None
        if start is None or end is None:
            raise DomainError.for_field(
                "period_from" if start is None else "period_to",
                "Give both ends of the period (period_from and period_to).",
            )
        if end < start:
            raise DomainError.for_field("period_to", "Must not be before the start date.")
        if spent is None and visits is None:
            raise DomainError.for_field(
                "period_spent_min", "Give period_spent_min or period_visits_min."
            )
        return start, end, spent, visits

    def apply(
        self, queryset: QuerySet[Customer], value: tuple[date, date, Any, Any], *, org: Organization
    ) -> QuerySet[Customer]:
        start, end, spent, visits = value
        # "0 or more" is everyone: it narrows nothing.
        if visits:
            queryset = queryset.filter(id__in=_visits_at_least(org, start, end, visits))
        if spent:
            queryset = queryset.filter(id__in=_spent_at_least(org, start, end, spent))
        return queryset

    def describe(self, value: tuple[date, date, Any, Any]) -> str:
        start, end, spent, visits = value
        parts = []
        if spent is not None:
            parts.append(f"spent {_money(spent)} or more")
        if visits is not None:
            parts.append(f"{visits} or more visits")
        return f"{' and '.join(parts)} {base.shown_day(start)}–{base.shown_day(end)}"

    def to_query(self, value: tuple[date, date, Any, Any]) -> list[tuple[str, str]]:
        return [
            (p, v.isoformat() if isinstance(v, date) else str(v))
            for p, v in zip(PERIOD_PARAMS, value, strict=True)
            if v is not None
        ]

    def form_fields(self) -> dict[str, forms.Field]:
        widget = forms.DateInput(attrs={"type": "date"})
        return {
            "period_from": forms.DateField(label="Period from", required=False, widget=widget),
            "period_to": forms.DateField(label="Period to", required=False, widget=widget),
            "period_spent_min": forms.DecimalField(
                label="Spent in the period at least", required=False, min_value=0
            ),
            "period_visits_min": forms.IntegerField(
                label="Visits in the period at least", required=False, min_value=0
            ),
        }


def _table(model: type[Model]) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def _visits_at_least(org: Organization, start: date, end: date, visits: int) -> RawSQL:
    sql = (
        f"SELECT customer_id FROM {_table(Visit)} WHERE organization_id = %s AND status = %s "  # noqa: S608
        "AND local_day >= %s AND local_day <= %s GROUP BY customer_id HAVING COUNT(*) >= %s"
    )
    return RawSQL(  # noqa: S611 (constant SQL; values are parameters)
        sql, (org.pk, VisitStatus.COMPLETED.value, start, end, visits)
    )


def _spent_at_least(org: Organization, start: date, end: date, spent: Decimal) -> RawSQL:
    """Completed visits (amount less discount) and orders (refunds negative) in the range,
    summed in cents: SQLite keeps decimals as binary floats, whose sums miss exact bounds."""
    visits, orders = _table(Visit), _table(Order)
    sql = (
        "SELECT customer_id FROM ("  # noqa: S608 (table names are constants)
        f"SELECT customer_id, amount - discount AS v FROM {visits} "
        "WHERE organization_id = %s AND status = %s AND local_day >= %s AND local_day <= %s "
        f"UNION ALL SELECT customer_id, total AS v FROM {orders} "
        "WHERE organization_id = %s AND local_day >= %s AND local_day <= %s"
        ") AS spend GROUP BY customer_id HAVING SUM(ROUND(v * 100)) >= %s"
    )
    return RawSQL(  # noqa: S611 (constant SQL; values are parameters)
        sql,
        (org.pk, VisitStatus.COMPLETED.value, start, end, org.pk, start, end, int(spent * 100)),
    )
