"""Reminders on a customer: something to do by a day (optionally a time), for one staff member.

Added, edited, marked done (and undone) and deleted with `reminders.edit`. The due day and
time are wall-clock values in the organization's time zone. Each reminder is for an active
staff member who works on reminders and can see the customer, by default whoever adds it.
Every write is audited; a delete keeps the text in the audit.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.core.schemas import MAX_ID
from regulars.customers.models import REMINDER_TEXT_MAX, Customer, Reminder
from regulars.customers.reminder_selectors import reminder_assignees, reminder_get_for_actor
from regulars.customers.selectors import customer_get_for_actor
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization

if TYPE_CHECKING:
    from regulars.accounts.models import User

EDITABLE = ("text", "due_date", "due_time", "assigned_to_id")


def _clean_text(text: Any) -> str:
    """The text with outer blank space trimmed; each problem names `text`."""
    cleaned = str(text or "").strip()
    if "\x00" in cleaned:
        raise DomainError.for_field("text", "Must not contain NUL characters.")
    if not cleaned:
        raise DomainError.for_field("text", "A reminder needs some text.")
    if len(cleaned) > REMINDER_TEXT_MAX:
        raise DomainError.for_field("text", f"At most {REMINDER_TEXT_MAX:,} characters.")
    return cleaned


def _clean_date(value: Any) -> date:
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError.for_field("due_date", "Enter a date as YYYY-MM-DD.") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise DomainError.for_field("due_date", "Choose the day the reminder is due.")


def _clean_time(value: Any) -> time | None:
    if value is None or value == "":
        return None
    parsed: time | None = None
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            raise DomainError.for_field("due_time", "Enter a time as HH:MM.") from None
    elif isinstance(value, time):
        parsed = value
    if parsed is None:
        raise DomainError.for_field("due_time", "Enter a time as HH:MM.")
    if parsed.tzinfo is not None:
        raise DomainError.for_field(
            "due_time", "Give the time without a zone: it is the organization's local time."
        )
    return parsed.replace(microsecond=0)


def _assignee(*, org: Organization, actor: Actor, customer: Customer, user_id: Any) -> User:
    """The staff member a reminder is for; none given means the acting login."""
    if user_id is None or user_id == "":
        if actor.user is None:
            raise DomainError.for_field("assigned_to_id", "Choose whom the reminder is for.")
        user_id = actor.user.pk
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 1 <= user_id <= MAX_ID:
        raise DomainError.for_field("assigned_to_id", "Choose a staff member by their id.")
    for membership in reminder_assignees(org=org, actor=actor, customer=customer):
        if membership.user_id == user_id:
            return membership.user
    raise DomainError.for_field(
        "assigned_to_id",
        "Choose an active staff member who works on reminders and can see this customer.",
    )


def _label(user: User | None) -> str:
    return user.email if user is not None else ""


@transaction.atomic
def reminder_add(
    *, org: Organization, actor: Actor, customer_id: int, data: dict[str, Any]
) -> Reminder:
    """`data`: text, due_date (required), due_time, assigned_to_id (default: the actor)."""
    customer = customer_get_for_actor(org=org, actor=actor, customer_id=customer_id)
    actor.require(Cap.REMINDERS_EDIT)
    text = _clean_text(data.get("text"))
    due_date = _clean_date(data.get("due_date"))
    due_time = _clean_time(data.get("due_time"))
    assignee = _assignee(
        org=org, actor=actor, customer=customer, user_id=data.get("assigned_to_id")
    )
    reminder = Reminder.objects.create(
        organization=org,
        customer=customer,
        text=text,
        due_date=due_date,
        due_time=due_time,
        assigned_to=assignee,
        created_by_label=actor.label[:254],
    )
    audit_record(
        org=org,
        actor=actor,
        action="customers.reminder.added",
        target=reminder,
        changes={
            "text": text,
            "due_date": due_date,
            "due_time": due_time,
            "assigned_to": _label(assignee),
        },
        customer_id=customer.pk,
    )
    return reminder


def _set_done(*, org: Organization, actor: Actor, reminder: Reminder, done: Any) -> None:
    if not isinstance(done, bool):
        raise DomainError.for_field("done", "Must be true or false.")
    if done == reminder.is_done:
        return
    if done:
        reminder.done_at, reminder.done_by_label = timezone.now(), actor.label[:254]
    else:
        reminder.done_at, reminder.done_by_label = None, ""
    reminder.save(update_fields=["done_at", "done_by_label", "updated_at"])
    audit_record(
        org=org,
        actor=actor,
        action="customers.reminder.done" if done else "customers.reminder.reopened",
        target=reminder,
        changes={"done": (not done, done)},
        customer_id=reminder.customer_id,
    )


@transaction.atomic
def reminder_update(
    *, org: Organization, actor: Actor, customer_id: int, reminder_id: int, data: dict[str, Any]
) -> Reminder:
    """Changes the fields present in `data` (text, due_date, due_time, assigned_to_id, done).

    `due_time` None clears the time; `assigned_to_id` None means the actor. Unchanged values
    write nothing."""
    reminder = reminder_get_for_actor(
        org=org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    actor.require(Cap.REMINDERS_EDIT)
    new: dict[str, Any] = {}
    if "text" in data:
        new["text"] = _clean_text(data["text"])
    if "due_date" in data:
        new["due_date"] = _clean_date(data["due_date"])
    if "due_time" in data:
        new["due_time"] = _clean_time(data["due_time"])
    assignee: User | None = None
    if "assigned_to_id" in data:
        assignee = _assignee(
            org=org, actor=actor, customer=reminder.customer, user_id=data["assigned_to_id"]
        )
        new["assigned_to_id"] = assignee.pk
    changes = {
        name: (getattr(reminder, name), value)
        for name, value in new.items()
        if getattr(reminder, name) != value
    }
    if changes:
        audited: dict[str, Any] = dict(changes)
        if "assigned_to_id" in changes:
            del audited["assigned_to_id"]
            audited["assigned_to"] = (_label(reminder.assigned_to), _label(assignee))
            reminder.assigned_to = assignee
        for name, (_old, value) in changes.items():
            setattr(reminder, name, value)
        reminder.save(update_fields=[*changes, "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action="customers.reminder.edited",
            target=reminder,
            changes=audited,
            customer_id=reminder.customer_id,
        )
    if "done" in data:
        _set_done(org=org, actor=actor, reminder=reminder, done=data["done"])
    return reminder


@transaction.atomic
def reminder_set_done(*, org: Organization, actor: Actor, reminder_id: int, done: bool) -> Reminder:
    """Marks the reminder done (when and by whom) or open again; the same state writes nothing."""
    reminder = reminder_get_for_actor(org=org, actor=actor, reminder_id=reminder_id)
    actor.require(Cap.REMINDERS_EDIT)
    _set_done(org=org, actor=actor, reminder=reminder, done=done)
    return reminder


@transaction.atomic
def reminder_delete(*, org: Organization, actor: Actor, customer_id: int, reminder_id: int) -> None:
    """Deletes the row; the audit entry keeps its text and due day."""
    reminder = reminder_get_for_actor(
        org=org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    actor.require(Cap.REMINDERS_EDIT)
    audit_record(
        org=org,
        actor=actor,
        action="customers.reminder.deleted",
        target=reminder,
        changes={
            "text": reminder.text,
            "due_date": reminder.due_date,
            "assigned_to": _label(reminder.assigned_to),
        },
        customer_id=reminder.customer_id,
    )
    reminder.delete()
