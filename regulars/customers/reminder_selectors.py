"""Reads of reminders: a customer's, one by id, and a staff member's own ("My reminders").

A reminder is reached only through its customer, so whoever cannot see the customer (another
organization, outside their locations, deleted) cannot see its reminders either. "Today" is
the organization's: due dates are wall-clock days where the business is.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Literal

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone

from regulars.core.errors import NotFound
from regulars.customers.models import Customer, Reminder
from regulars.customers.selectors import customer_get_for_actor, customer_list
from regulars.tenancy.access import Actor, Cap, role_can
from regulars.tenancy.models import Organization, StaffMembership
from regulars.tenancy.selectors import staff_list

ReminderWhen = Literal["due", "upcoming", "done", "all"]
WHEN_CHOICES: tuple[ReminderWhen, ...] = ("due", "upcoming", "done", "all")


def org_today(org: Organization) -> date:
    """Today in the organization's time zone (a reminder due 'today' in Auckland is due
    there already while UTC still says yesterday)."""
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(org.time_zone or "UTC")).date()


def is_overdue(reminder: Reminder, *, today: date) -> bool:
    """Open and due before today. A reminder due today (at any time) is due, not overdue."""
    return reminder.done_at is None and reminder.due_date < today


def _with_overdue(reminders: QuerySet[Reminder], today: date) -> QuerySet[Reminder]:
    return reminders.select_related("customer", "assigned_to").annotate(
        overdue=ExpressionWrapper(
            Q(done_at__isnull=True, due_date__lt=today), output_field=BooleanField()
        )
    )


def _by_due() -> tuple[str | OrderBy, ...]:
    # Reminders without a time come first on their day, on SQLite and PostgreSQL alike.
    return ("due_date", F("due_time").asc(nulls_first=True), "id")


def reminder_list_for_customer(
    *, org: Organization, actor: Actor, customer_id: int, today: date | None = None
) -> QuerySet[Reminder]:
    """A visible customer's reminders: open ones by due date, then done ones, latest first.

    Each row carries `overdue` (open and due before the organization's today)."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    reminders = Reminder.objects.filter(customer=customer)
    return _with_overdue(reminders, today or org_today(org)).order_by(
        F("done_at").desc(nulls_first=True), *_by_due()
    )


def reminder_get_for_actor(
    *, org: Organization, actor: Actor, reminder_id: int, customer_id: int | None = None
) -> Reminder:
    """Raises NotFound for a missing reminder, a hidden customer's, and (with `customer_id`)
    one of another customer."""
    reminders = Reminder.objects.filter(
        pk=reminder_id, customer_id__in=customer_list(org=org, actor=actor).values("id")
    )
    if customer_id is not None:
        reminders = reminders.filter(customer_id=customer_id)
    reminder = _with_overdue(reminders, org_today(org)).first()
    if reminder is None:
        raise NotFound()
    return reminder


def my_reminders(
    *, org: Organization, actor: Actor, when: ReminderWhen, today: date
) -> QuerySet[Reminder]:
    """Reminders assigned to the actor's login on customers they can see.

    `due`: open and due today or before, the oldest (most overdue) first; `upcoming`: open and
    due after today, soonest first; `done`: latest done first; `all`: by due date. An API key
    (no login) has no reminders of its own.
    """
    visible = customer_list(org=org, actor=actor).values("id")
    if actor.user is None:
        return Reminder.objects.none()
    reminders = _with_overdue(
        Reminder.objects.filter(assigned_to=actor.user, customer_id__in=visible), today
    )
    if when == "due":
        return reminders.filter(done_at__isnull=True, due_date__lte=today).order_by(*_by_due())
    if when == "upcoming":
        return reminders.filter(done_at__isnull=True, due_date__gt=today).order_by(*_by_due())
    if when == "done":
        return reminders.filter(done_at__isnull=False).order_by("-done_at", "-id")
    return reminders.order_by(*_by_due())


def my_due_count(*, org: Organization, actor: Actor, today: date) -> int:
    return my_reminders(org=org, actor=actor, when="due", today=today).count()


def reminder_assignees(
    *, org: Organization, actor: Actor, customer: Customer
) -> list[StaffMembership]:
    """Who a reminder on this customer may be for: active staff whose role works on reminders
    and whose locations include the customer (so it shows in their "My reminders")."""
    customer_locations = (
        set() if customer.all_locations else set(customer.locations.values_list("id", flat=True))
    )
    chosen = []
    for membership in staff_list(org=org, actor=actor).filter(is_active=True):
        if not role_can(membership.role, Cap.REMINDERS_EDIT):
            continue
        if (
            membership.all_locations
            or customer.all_locations
            or {location.pk for location in membership.locations.all()} & customer_locations
        ):
            chosen.append(membership)
    return chosen
