"""Reminder pages: "My reminders" (/reminders/) and the reminders card of the profile.

The card's forms post here and go back to the profile's `#reminders`; a form with errors
re-renders the profile with what was typed (through the profile's `_card_post`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError
from regulars.core.forms import DomainErrorsMixin
from regulars.core.paging import paginate
from regulars.customers import reminder_selectors, reminders
from regulars.customers.models import Customer
from regulars.customers.reminder_forms import ReminderForm
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required

# The tabs of "My reminders", by the `when` they show.
TABS: tuple[tuple[reminder_selectors.ReminderWhen, str], ...] = (
    ("due", "Due today & overdue"),
    ("upcoming", "Upcoming"),
    ("done", "Done"),
)
DONE_SHOWN = 20  # done reminders on the profile, latest first


@staff_required()
def my_reminders(request: HttpRequest) -> HttpResponse:
    """The logged-in staff member's own reminders, by tab."""
    actor = actor_of(request)
    asked = request.GET.get("when")
    when: reminder_selectors.ReminderWhen = "due"
    for value, _label in TABS:
        if value == asked:
            when = value
    today = reminder_selectors.org_today(actor.org)
    rows = reminder_selectors.my_reminders(org=actor.org, actor=actor, when=when, today=today)
    context = {
        "page": paginate(request, rows),
        "when": when,
        "tabs": TABS,
        "reminders_today": today,
        "due_count": reminder_selectors.my_due_count(org=actor.org, actor=actor, today=today),
    }
    return render(request, "customers/reminder_list.html", context)


def _assignees(actor: Actor, customer: Customer) -> list[tuple[int, str]]:
    members = reminder_selectors.reminder_assignees(org=actor.org, actor=actor, customer=customer)
    return [(m.user_id, m.user.display_name) for m in members]


def _form(actor: Actor, customer: Customer, data: Any = None) -> ReminderForm:
    initial = {
        "assigned_to_id": actor.user.pk if actor.user is not None else None,
        # Today where the business is: most reminders are for a day soon, picked from here.
        "due_date": reminder_selectors.org_today(actor.org),
    }
    return ReminderForm(data, assignees=_assignees(actor, customer), initial=initial)


def reminder_profile_context(
    actor: Actor, customer: Customer, bound_form: DomainErrorsMixin | None = None
) -> dict[str, Any]:
    """What `customers/_reminders_card.html` needs: open reminders by due date, the latest
    done ones, and the add form (for those who may add)."""
    today = reminder_selectors.org_today(actor.org)
    rows = list(
        reminder_selectors.reminder_list_for_customer(
            org=actor.org, actor=actor, customer_id=customer.pk, today=today
        )
    )
    done = [r for r in rows if r.is_done]
    still_open = [r for r in rows if not r.is_done]
    return {
        "reminders_today": today,
        "reminders_open": still_open,
        "open_reminder_count": len(still_open),
        "reminders_done": done[:DONE_SHOWN],
        "reminders_done_more": max(0, len(done) - DONE_SHOWN),
        "reminder_form": bound_form
        or (_form(actor, customer) if actor.can(Cap.REMINDERS_EDIT) else None),
    }


def _profile_url(customer_id: int) -> str:
    return reverse("customers:detail", kwargs={"customer_id": customer_id}) + "#reminders"


def _form_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": data["text"],
        "due_date": data["due_date"],
        "due_time": data["due_time"],
        "assigned_to_id": data["assigned_to_id"],
    }


@staff_required()
def reminder_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    # The profile's views import this module for the card's context: imported at call time.
    from regulars.customers.views import _card_post

    return _card_post(
        request,
        customer_id,
        capability=Cap.REMINDERS_EDIT,
        form_key="reminder_form",
        make_form=_form,
        save=lambda actor, customer, data: reminders.reminder_add(
            org=actor.org, actor=actor, customer_id=customer.pk, data=_form_data(data)
        ),
        done="Reminder added.",
        anchor="#reminders",
    )


@staff_required()
def reminder_edit(request: HttpRequest, customer_id: int, reminder_id: int) -> HttpResponse:
    actor = actor_of(request)
    reminder = reminder_selectors.reminder_get_for_actor(
        org=actor.org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    actor.require(Cap.REMINDERS_EDIT)
    initial = {
        "text": reminder.text,
        "due_date": reminder.due_date,
        "due_time": reminder.due_time,
        "assigned_to_id": reminder.assigned_to_id,
    }
    assignees = _assignees(actor, reminder.customer)
    # Whoever it is for now stays choosable, even if they could not be chosen anew (moved,
    # deactivated, gone): otherwise the browser would submit the first name in the list.
    if reminder.assigned_to_id is None:
        assignees = [("", "— no one now (saving makes it mine) —"), *assignees]  # type: ignore[list-item]
    elif reminder.assigned_to_id not in {pk for pk, _name in assignees}:
        label = reminder.assigned_to.display_name if reminder.assigned_to else "?"
        assignees = [(reminder.assigned_to_id, f"{label} (as now)"), *assignees]
    form = ReminderForm(request.POST or None, assignees=assignees, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _form_data(form.cleaned_data)
        if data["assigned_to_id"] == reminder.assigned_to_id:
            del data["assigned_to_id"]  # kept as it is, even if they could not be chosen now
        try:
            reminders.reminder_update(
                org=actor.org,
                actor=actor,
                customer_id=customer_id,
                reminder_id=reminder.pk,
                data=data,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Reminder saved.")
            return redirect(_profile_url(customer_id))
    context = {"form": form, "reminder": reminder, "customer": reminder.customer}
    return render(request, "customers/reminder_form.html", context)


@require_POST
@staff_required()
def reminder_delete(request: HttpRequest, customer_id: int, reminder_id: int) -> HttpResponse:
    actor = actor_of(request)
    reminders.reminder_delete(
        org=actor.org, actor=actor, customer_id=customer_id, reminder_id=reminder_id
    )
    messages.success(request, "Reminder deleted.")
    return redirect(_profile_url(customer_id))


def _done(request: HttpRequest, reminder_id: int, *, done: bool) -> HttpResponse:
    """Done or open again, then back where the button was (`next`, a path on this site),
    else to the customer's profile."""
    actor = actor_of(request)
    reminder = reminders.reminder_set_done(
        org=actor.org, actor=actor, reminder_id=reminder_id, done=done
    )
    messages.success(request, "Reminder done." if done else "Reminder open again.")
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(_profile_url(reminder.customer_id))


@require_POST
@staff_required()
def reminder_done(request: HttpRequest, reminder_id: int) -> HttpResponse:
    return _done(request, reminder_id, done=True)


@require_POST
@staff_required()
def reminder_undo(request: HttpRequest, reminder_id: int) -> HttpResponse:
    return _done(request, reminder_id, done=False)
