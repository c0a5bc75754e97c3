"""API schemas of reminders (/api/v1/customers/{id}/reminders and /api/v1/reminders)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, StringConstraints

from regulars.core.schemas import Day, Flag, Id, InputSchema, storable_text
from regulars.customers.models import REMINDER_TEXT_MAX, Reminder
from regulars.customers.reminder_selectors import is_overdue, org_today

_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def _time_text(value: Any) -> Any:
    """Only `HH:MM[:SS]`, no zone: times are wall-clock in the organization's time zone."""
    if value is None:
        return value
    if not isinstance(value, str) or not _TIME.match(value):
        raise ValueError("must be a time as HH:MM, without a zone")
    return value


# Checked again by the service (which trims and names `text`); declared for the document.
ReminderText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=REMINDER_TEXT_MAX),
    AfterValidator(storable_text),
]
DueDate = Day
DueTime = Annotated[time, BeforeValidator(_time_text)]


class ReminderOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    text: str
    due_date: date
    due_time: time | None
    assigned_to_id: int | None
    assigned_to_label: str
    done: bool
    done_at: datetime | None
    done_by_label: str
    created_by_label: str
    created_at: datetime
    overdue: bool

    @staticmethod
    def resolve_customer_name(obj: Reminder) -> str:
        return str(obj.customer)

    @staticmethod
    def resolve_assigned_to_label(obj: Reminder) -> str:
        return obj.assigned_to.email if obj.assigned_to is not None else ""

    @staticmethod
    def resolve_done(obj: Reminder) -> bool:
        return obj.is_done

    @staticmethod
    def resolve_overdue(obj: Reminder) -> bool:
        """Open and due before the organization's today (selectors annotate it)."""
        annotated = getattr(obj, "overdue", None)
        if isinstance(annotated, bool):
            return annotated
        return is_overdue(obj, today=org_today(obj.organization))


class ReminderIn(InputSchema):
    text: ReminderText
    due_date: DueDate
    due_time: DueTime | None = None
    # Default: the caller's login (an API key must name someone).
    assigned_to_id: Id | None = None


class ReminderPatch(InputSchema):
    """Only the fields sent change; `due_time: null` clears the time."""

    text: ReminderText | None = None
    due_date: DueDate | None = None
    due_time: DueTime | None = None
    assigned_to_id: Id | None = None
    done: Flag | None = None
