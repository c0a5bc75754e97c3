"""/api/v1/customers/{id}/reminders (a customer's) and /api/v1/reminders (the caller's own)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.customers import reminder_selectors, reminders
from regulars.customers.reminder_schemas import ReminderIn, ReminderOut, ReminderPatch
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of

router = Router(tags=["reminders"])


@router.get("/customers/{customer_id}/reminders", response={200: Page[ReminderOut], **ERRORS})
def reminder_list(
    request: HttpRequest,
    customer_id: PathId,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """The customer's reminders, done or not (paged by id)."""
    actor = actor_of(request)
    return cursor_page(
        reminder_selectors.reminder_list_for_customer(
            org=actor.org, actor=actor, customer_id=customer_id
        ),
        cursor=cursor,
        limit=limit,
    )


@router.post("/customers/{customer_id}/reminders", response={201: ReminderOut, **WRITE_ERRORS})
def reminder_add(request: HttpRequest, payload: ReminderIn, customer_id: PathId) -> Any:
    """`assigned_to_id` defaults to the caller's login; an API key must name a staff member."""
    actor = actor_of(request)
    reminder = reminders.reminder_add(
        org=actor.org, actor=actor, customer_id=customer_id, data=payload.dict()
    )
    return Status(201, reminder)


@router.patch(
    "/customers/{customer_id}/reminders/{reminder_id}",
    response={200: ReminderOut, **WRITE_ERRORS},
)
def reminder_update(
    request: HttpRequest, payload: ReminderPatch, customer_id: PathId, reminder_id: PathId
) -> Any:
    """Changes the fields sent; `done` marks it done (or open again); `due_time: null` clears
    the time."""
    actor = actor_of(request)
    data = payload.dict(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "due_time"}
    if data:
        reminders.reminder_update(
            org=actor.org, actor=actor, customer_id=customer_id, reminder_id=reminder_id, data=data
        )
    reminder = reminder_selectors.reminder_get_for_actor(
        org=actor.org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    actor.require(Cap.REMINDERS_EDIT)
    return reminder


@router.delete(
    "/customers/{customer_id}/reminders/{reminder_id}", response={204: None, **WRITE_ERRORS}
)
def reminder_delete(request: HttpRequest, customer_id: PathId, reminder_id: PathId) -> Any:
    actor = actor_of(request)
    reminders.reminder_delete(
        org=actor.org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    return Status(204, None)


@router.get("/reminders", response={200: Page[ReminderOut], **ERRORS})
def my_reminders(
    request: HttpRequest,
    when: Literal["due", "upcoming", "done", "all"] = "due",
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """The caller's own reminders on customers they can see. `due`: open and due today (in the
    organization's time zone) or before; `upcoming`: due later; `done`; `all`. An API key has
    none. Paged by id."""
    actor = actor_of(request)
    rows = reminder_selectors.my_reminders(
        org=actor.org, actor=actor, when=when, today=reminder_selectors.org_today(actor.org)
    )
    return cursor_page(rows, cursor=cursor, limit=limit)
