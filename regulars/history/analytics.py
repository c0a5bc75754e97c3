"""The quick analytics of a customer's profile: visits and spend per month, and the location
and services they come back for. Reads only; each is one query through an (organization,
customer, …) index, after the actor's right to see the customer is checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count

from regulars.customers.models import Customer
from regulars.customers.selectors import customer_get_for_actor
from regulars.history.figures import org_today
from regulars.history.models import Order, Visit, VisitStatus
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Location, Organization

MONTHS = 24


@dataclass(frozen=True)
class Month:
    start: date  # the first day of the month
    visits: int
    spent: Decimal  # completed visits' net plus orders' totals (refunds lower it)


@dataclass(frozen=True)
class Favourite:
    name: str
    visits: int


@dataclass(frozen=True)
class Overview:
    customer: Customer
    today: date
    months: list[Month]
    favourite_location: Favourite | None
    favourite_services: list[Favourite]  # the most visited first, at most three

    @property
    def months_with_visits(self) -> int:
        return sum(1 for m in self.months if m.visits)

    @property
    def visits_in_months(self) -> int:
        return sum(m.visits for m in self.months)

    @property
    def spent_in_months(self) -> Decimal:
        return sum((m.spent for m in self.months), Decimal("0.00"))

    @property
    def busiest(self) -> Month | None:
        best = max(self.months, key=lambda m: (m.visits, m.start), default=None)
        return best if best is not None and best.visits else None


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first days of the last `months` months, the oldest first, this month last."""
    starts: list[date] = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


def _month(day: date) -> date:
    return day.replace(day=1)


def history_per_month(
    *, org: Organization, actor: Actor, customer_id: int, today: date, months: int = MONTHS
) -> list[Month]:
    """Completed visits and spend per month over the last `months` months (two queries)."""
    customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    return _per_month(customer_id, today, months)


def _per_month(customer_id: int, today: date, months: int = MONTHS) -> list[Month]:
    starts = month_starts(today, months)
    since = starts[0]
    visits: Counter[date] = Counter()
    spent: dict[date, Decimal] = dict.fromkeys(starts, Decimal("0.00"))
    rows = Visit.objects.filter(
        customer_id=customer_id,
        status=VisitStatus.COMPLETED,
        local_day__gte=since,
        local_day__lte=today,
    ).values_list("local_day", "amount", "discount")
    for day, amount, discount in rows.order_by():
        visits[_month(day)] += 1
        spent[_month(day)] += amount - discount
    orders = Order.objects.filter(
        customer_id=customer_id, local_day__gte=since, local_day__lte=today
    ).values_list("local_day", "total")
    for day, total in orders.order_by():
        spent[_month(day)] += total
    return [Month(start=s, visits=visits[s], spent=spent[s]) for s in starts]


def favourite_location(*, org: Organization, actor: Actor, customer_id: int) -> Favourite | None:
    """The location of most of the customer's completed visits."""
    customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    return _favourite_location(customer_id)


def _favourite_location(customer_id: int) -> Favourite | None:
    top = (
        Visit.objects.filter(
            customer_id=customer_id, status=VisitStatus.COMPLETED, location__isnull=False
        )
        .values("location_id")
        .annotate(n=Count("id"))
        .order_by("-n", "location_id")
        .first()
    )
    if top is None:
        return None
    location = Location.objects.filter(pk=top["location_id"]).first()
    return Favourite(name=location.name, visits=top["n"]) if location else None


def favourite_services(
    *, org: Organization, actor: Actor, customer_id: int, limit: int = 3
) -> list[Favourite]:
    """The services of most of the customer's completed visits, the most frequent first."""
    customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    return _favourite_services(org, customer_id, limit)


def _favourite_services(org: Organization, customer_id: int, limit: int = 3) -> list[Favourite]:
    through = Visit.services.through
    rows = (
        through.objects.filter(
            visit__organization=org,
            visit__customer_id=customer_id,
            visit__status=VisitStatus.COMPLETED,
        )
        .values("service__name")
        .annotate(n=Count("visit_id"))
        .order_by("-n", "service__name")[:limit]
    )
    return [Favourite(name=row["service__name"], visits=row["n"]) for row in rows]


def customer_overview(*, org: Organization, actor: Actor, customer_id: int) -> Overview:
    """Everything the profile's overview shows beside the figures kept on the customer."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    today = org_today(org)
    return Overview(
        customer=customer,
        today=today,
        months=_per_month(customer.pk, today),
        favourite_location=_favourite_location(customer.pk),
        favourite_services=_favourite_services(org, customer.pk),
    )
