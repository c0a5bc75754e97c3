"""Customer pages: the record form, the profile and its cards, deleted customers (the list is
in list_views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms.utils import pretty_name
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from regulars.audit.selectors import audit_entries_for_customer
from regulars.core.errors import DomainError
from regulars.core.forms import DomainErrorsMixin
from regulars.core.http import client_ip
from regulars.core.paging import paginate
from regulars.core.text import query_text
from regulars.customers import categories, consent, notes, selectors, services
from regulars.customers.custom_field_forms import custom_form_initial
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.custom_fields import custom_values_for
from regulars.customers.forms import (
    CategoryForm,
    ConsentForm,
    CustomerCategoriesForm,
    CustomerForm,
    NoteForm,
    SampleForm,
)
from regulars.customers.models import ConsentChannel, ConsentSource, ConsentState, Customer
from regulars.customers.reminder_views import reminder_profile_context
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.jobs.services import job_start
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required
from regulars.tenancy.selectors import location_list


def _customer_form(
    actor: Actor, data: Any = None, *, customer: Customer | None = None, **kwargs: Any
) -> CustomerForm:
    """The record form. A location-limited member picks among their own locations and
    cannot switch "all locations" (a customer everywhere stays everywhere)."""
    locations = list(location_list(org=actor.org, actor=actor))
    form = CustomerForm(
        data,
        locations=locations,
        require_gender_dob=actor.org.require_gender_dob,
        custom_fields=list(custom_field_list(org=actor.org, actor=actor)),
        **kwargs,
    )
    if actor.location_ids is not None:
        del form.fields["all_locations"]
        if customer is not None and customer.all_locations:
            del form.fields["location_ids"]
    return form


@staff_required(Cap.CUSTOMERS_EDIT)
def customer_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    all_locations, locations = services.default_locations(actor)
    form = _customer_form(
        actor,
        request.POST or None,
        initial={"all_locations": all_locations, "location_ids": [loc.pk for loc in locations]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(org=actor.org, actor=actor, data=form.record_data())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{customer} added as {customer.account_number}.")
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


CONSENT_HISTORY_SHOWN = 50


def _detail(
    request: HttpRequest,
    actor: Actor,
    customer: Customer,
    *,
    bound: dict[str, DomainErrorsMixin] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The profile. `bound` holds a card's submitted form (by context name) to show its
    errors and what was typed; the other cards get fresh forms."""
    bound = bound or {}
    history = audit_entries_for_customer(org=actor.org, actor=actor, customer_ids=[customer.pk])
    consent_events = selectors.consent_history(org=actor.org, actor=actor, customer_id=customer.pk)
    channels = [
        {
            "value": channel.value,
            "label": channel.label,
            "state": getattr(customer, consent.state_field(channel.value)),
            "blocked": getattr(customer, consent.blocked_field(channel.value)),
        }
        for channel in ConsentChannel
    ]
    tab_of_form = {"note_form": "notes", "reminder_form": "reminders", "consent_form": "consent"}
    context = {
        "customer": customer,
        "active_tab": next((tab_of_form[k] for k in bound if k in tab_of_form), ""),
        "customer_locations": [] if customer.all_locations else list(customer.locations.all()),
        "custom_values": _custom_values_shown(actor, customer),
        "history": [_change(entry) for entry in history[:50]],
        "consent_channels": channels,
        "consent_states": ConsentState.choices,
        "consent_events": consent_events[:CONSENT_HISTORY_SHOWN],
        "consent_form": bound.get("consent_form"),
        "customer_categories": list(customer.categories.all()),
        "categories_form": bound.get("categories_form")
        or (_categories_form(actor, customer) if actor.can(Cap.CUSTOMERS_EDIT) else None),
        "notes": selectors.note_list(org=actor.org, actor=actor, customer_id=customer.pk),
        "note_form": bound.get("note_form") or (NoteForm() if actor.can(Cap.NOTES_EDIT) else None),
        **reminder_profile_context(actor, customer, bound.get("reminder_form")),
    }
    return render(request, "customers/customer_detail.html", context, status=status)


def _custom_values_shown(actor: Actor, customer: Customer) -> list[tuple[str, str]]:
    """(label, value as text) of each custom field, for the profile."""
    values = custom_values_for(customer_ids=[customer.pk])[customer.pk]
    shown = []
    for field in custom_field_list(org=actor.org, actor=actor):
        value = values.get(field.key)
        if isinstance(value, bool):
            text = "Yes" if value else "No"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        shown.append((field.label, text))
    return shown


def _change(entry: Any) -> dict[str, Any]:
    """An audit entry as the Changes tab shows it: old → new per field."""
    changes = []
    for name, change in (entry.changes or {}).items():
        # The audit stores an (old, new) pair as {"old": …, "new": …}.
        if isinstance(change, dict) and set(change) == {"old", "new"}:
            changes.append({"name": name, "pair": True, "old": change["old"], "new": change["new"]})
        else:
            changes.append({"name": name, "pair": False, "value": change})
    return {
        "at": entry.created_at,
        "by": entry.actor_label,
        "action": entry.action.rsplit(".", 1)[-1].replace("_", " "),
        "changes": changes,
    }


def _categories_form(actor: Actor, customer: Customer, data: Any = None) -> CustomerCategoriesForm:
    """The profile's categories checkboxes."""
    choices = list(selectors.category_list(org=actor.org, actor=actor))
    initial = {"categories": [c.pk for c in customer.categories.all()]}
    return CustomerCategoriesForm(data, initial=initial, categories=choices)


@staff_required()
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    return _detail(request, actor, customer)


def _card_post(
    request: HttpRequest,
    customer_id: int,
    *,
    capability: str,
    form_key: str,
    make_form: Callable[[Actor, Customer, Any], DomainErrorsMixin],
    save: Callable[[Actor, Customer, dict[str, Any]], object],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """A form on a card of the profile: POST saves through its service and goes back to the
    profile; errors re-render the profile with what was typed; a GET goes back too."""
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    back = reverse("customers:detail", kwargs={"customer_id": customer.pk}) + anchor
    if request.method != "POST":
        return redirect(back)
    actor.require(capability)
    form = make_form(actor, customer, request.POST)
    if form.is_valid():
        try:
            save(actor, customer, form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done)
            return redirect(back)
    return _detail(request, actor, customer, bound={form_key: form})


@staff_required()
def consent_change(request: HttpRequest, customer_id: int) -> HttpResponse:
    ip = client_ip(request)
    return _card_post(
        request,
        customer_id,
        capability=Cap.CUSTOMERS_EDIT,
        form_key="consent_form",
        make_form=lambda _actor, _customer, data: ConsentForm(data),
        save=lambda actor, customer, data: consent.consent_set(
            org=actor.org,
            actor=actor,
            customer_id=customer.pk,
            channel=data["channel"],
            state=data["state"],
            source=ConsentSource.FORM,
            detail=data["detail"],
            ip=ip,
            blocked=data["blocked"],
        ),
        done="Consent saved.",
    )


@staff_required()
def customer_categories(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _card_post(
        request,
        customer_id,
        capability=Cap.CUSTOMERS_EDIT,
        form_key="categories_form",
        make_form=_categories_form,
        save=lambda actor, customer, data: categories.customer_categories_set(
            org=actor.org, actor=actor, customer_id=customer.pk, category_ids=data["categories"]
        ),
        done="Categories saved.",
    )


@staff_required()
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _card_post(
        request,
        customer_id,
        capability=Cap.NOTES_EDIT,
        form_key="note_form",
        make_form=lambda _actor, _customer, data: NoteForm(data),
        save=lambda actor, customer, data: notes.note_add(
            org=actor.org, actor=actor, customer_id=customer.pk, text=data["text"]
        ),
        done="Note added.",
        anchor="#notes",
    )


def _notes_url(customer_id: int) -> str:
    return reverse("customers:detail", kwargs={"customer_id": customer_id}) + "#notes"


@staff_required()
def note_edit(request: HttpRequest, customer_id: int, note_id: int) -> HttpResponse:
    actor = actor_of(request)
    note = selectors.note_get_for_actor(
        org=actor.org, actor=actor, customer_id=customer_id, note_id=note_id
    )
    actor.require(Cap.NOTES_EDIT)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            notes.note_edit(
                org=actor.org,
                actor=actor,
                customer_id=customer_id,
                note_id=note.pk,
                text=form.cleaned_data["text"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Note saved.")
            return redirect(_notes_url(customer_id))
    context = {"form": form, "note": note, "customer": note.customer}
    return render(request, "customers/note_form.html", context)


@require_POST
@staff_required()
def note_delete(request: HttpRequest, customer_id: int, note_id: int) -> HttpResponse:
    actor = actor_of(request)
    notes.note_delete(org=actor.org, actor=actor, customer_id=customer_id, note_id=note_id)
    messages.success(request, "Note deleted.")
    return redirect(_notes_url(customer_id))


def _initial(customer: Customer) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(customer, name) for name in services.FIELDS}
    initial["all_locations"] = customer.all_locations
    initial["location_ids"] = [loc.pk for loc in customer.locations.all()]
    initial["version"] = customer.version
    initial.update(custom_form_initial(custom_values_for(customer_ids=[customer.pk])[customer.pk]))
    return initial


def _conflict(actor: Actor, customer: Customer, form: CustomerForm) -> dict[str, Any]:
    """Who saved in between, when, and their values where they differ from what was typed."""
    latest = audit_entries_for_customer(org=actor.org, actor=actor, customer_ids=[customer.pk])
    entry = latest.first()
    saved = _initial(customer)
    typed = form.cleaned_data
    names = [*services.FIELDS, *(name for name in form.fields if name.startswith("cf_"))]
    differences = [
        {
            "label": form.fields[name].label or pretty_name(name),
            "theirs": saved.get(name),
            "yours": typed.get(name),
        }
        for name in names
        if _shown(saved.get(name)) != _shown(typed.get(name))
    ]
    return {
        "by": entry.actor_label if entry else "someone",
        "at": entry.created_at if entry else customer.updated_at,
        "differences": differences,
    }


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


@staff_required()
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The record form. A save made meanwhile by someone else is shown beside what was
    typed; saving again then keeps the typed values on purpose."""
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    form = _customer_form(
        actor, request.POST or None, customer=customer, initial=_initial(customer)
    )
    form.fields["version"].required = True
    form.fields["version"].error_messages["required"] = (
        "This form is out of date: open the customer again and redo your change."
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                org=actor.org,
                actor=actor,
                customer_id=customer_id,
                data=form.record_data(),
                expected_version=form.cleaned_data["version"],
                whole_record=True,
            )
        except services.VersionConflict as exc:
            conflict = _conflict(actor, exc.customer, form)
            data = request.POST.copy()
            data["version"] = str(exc.current_version)  # saving again means "keep mine"
            form = _customer_form(
                actor, data, customer=exc.customer, initial=_initial(exc.customer)
            )
            form.is_valid()
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Saved.")
            return redirect("customers:detail", customer_id=customer_id)
    context = {"form": form, "customer": customer, "conflict": conflict}
    return render(request, "customers/customer_form.html", context, status=409 if conflict else 200)


def _version_of(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_POST
@staff_required()
def customer_delete(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        customer = services.customer_delete(
            org=actor.org,
            actor=actor,
            customer_id=customer_id,
            expected_version=_version_of(request),
        )
    except (services.VersionConflict, services.PreconditionRequired):
        messages.error(
            request, "This customer was changed meanwhile; check the record and delete again."
        )
        return redirect("customers:detail", customer_id=customer_id)
    messages.success(
        request,
        f"{customer} deleted. Their history stays in reports; owners and managers can "
        "restore them from Deleted customers.",
    )
    return redirect("customers:list")


@require_POST
@staff_required()
def customer_deactivate(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = services.customer_deactivate(org=actor.org, actor=actor, customer_id=customer_id)
    messages.success(request, f"{customer} deactivated: off the working list until reactivated.")
    return redirect("customers:detail", customer_id=customer_id)


@require_POST
@staff_required()
def customer_reactivate(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = services.customer_reactivate(org=actor.org, actor=actor, customer_id=customer_id)
    messages.success(request, f"{customer} is active again.")
    return redirect("customers:detail", customer_id=customer_id)


@staff_required(Cap.CUSTOMERS_DELETE)
def deleted_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    q = query_text(request.GET.get("q"))
    customers = selectors.deleted_customer_list(org=actor.org, actor=actor, q=q)
    context = {"page": paginate(request, customers), "q": q}
    return render(request, "customers/deleted_list.html", context)


@require_POST
@staff_required()
def customer_restore(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = services.customer_restore(org=actor.org, actor=actor, customer_id=customer_id)
    messages.success(request, f"{customer} restored.")
    return redirect("customers:detail", customer_id=customer.pk)


@require_POST
@staff_required(Cap.JOBS_START)
def sample_start(request: HttpRequest) -> HttpResponse:
    """Starts the sample-customers job and opens its progress page."""
    actor = actor_of(request)
    form = SampleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose between 1 and {SAMPLE_MAX:,} sample customers.")
        return redirect("customers:list")
    job = job_start(
        org=actor.org,
        actor=actor,
        kind="customers.sample",
        params={"count": form.cleaned_data["count"]},
    )
    return redirect("jobs:detail", job_id=job.pk)


# ------------------------------------------------------------------ Settings → Categories


@staff_required(Cap.CATEGORIES_MANAGE)
def category_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(request, selectors.category_list(org=actor.org, actor=actor))
    return render(request, "customers/category_list.html", {"page": page})


@staff_required(Cap.CATEGORIES_MANAGE)
def category_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = categories.category_create(
                org=actor.org, actor=actor, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Category {category.name} added.")
            return redirect("categories:list")
    return render(request, "customers/category_form.html", {"form": form, "category": None})


@staff_required()
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = actor_of(request)
    category = selectors.category_get_for_actor(org=actor.org, actor=actor, category_id=category_id)
    actor.require(Cap.CATEGORIES_MANAGE)
    initial = {
        "name": category.name,
        "colour": category.colour,
        "description": category.description,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            categories.category_update(
                org=actor.org, actor=actor, category_id=category.pk, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Category saved.")
            return redirect("categories:list")
    return render(request, "customers/category_form.html", {"form": form, "category": category})


@require_POST
@staff_required()
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = actor_of(request)
    categories.category_delete(org=actor.org, actor=actor, category_id=category_id)
    messages.success(request, "Category deleted. Its customers stay; they just lose the chip.")
    return redirect("categories:list")
