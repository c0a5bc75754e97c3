"""Customer pages (minimal until the customer record lands)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from regulars.audit.selectors import audit_entries_for_customer
from regulars.core.errors import DomainError
from regulars.core.forms import DomainErrorsMixin
from regulars.core.http import client_ip
from regulars.core.paging import paginate, sort
from regulars.core.text import query_text
from regulars.customers import categories, consent, notes, selectors, services
from regulars.customers.forms import (
    CategoryForm,
    ConsentForm,
    CustomerCategoriesForm,
    CustomerForm,
    NoteForm,
    SampleForm,
)
from regulars.customers.models import ConsentChannel, ConsentSource, ConsentState, Customer
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.jobs.services import job_start
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required

SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "created": ("created_at",),
}


@staff_required()
def customer_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    q = query_text(request.GET.get("q"))
    customers, current_sort = sort(
        request,
        selectors.customer_list(org=actor.org, actor=actor, q=q, with_categories=True),
        allowed=SORTS,
        default="name",
    )
    context = {
        "page": paginate(request, customers),
        "q": q,
        "sort": current_sort,
        "sample_form": SampleForm(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_rows.html", context)
    return render(request, "customers/customer_list.html", context)


@staff_required(Cap.CUSTOMERS_EDIT)
def customer_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(org=actor.org, actor=actor, data=form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{customer} added.")
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
    context = {
        "customer": customer,
        "history": history[:20],
        "consent_channels": channels,
        "consent_states": ConsentState.choices,
        "consent_events": consent_events[:CONSENT_HISTORY_SHOWN],
        "consent_form": bound.get("consent_form"),
        "customer_categories": list(customer.categories.all()),
        "categories_form": bound.get("categories_form")
        or (_categories_form(actor, customer) if actor.can(Cap.CUSTOMERS_EDIT) else None),
        "notes": selectors.note_list(org=actor.org, actor=actor, customer_id=customer.pk),
        "note_form": bound.get("note_form") or (NoteForm() if actor.can(Cap.NOTES_EDIT) else None),
    }
    return render(request, "customers/customer_detail.html", context, status=status)


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


@staff_required()
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    actor.require(Cap.CUSTOMERS_EDIT)
    initial = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
    }
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                org=actor.org, actor=actor, customer_id=customer_id, data=form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Saved.")
            return redirect("customers:detail", customer_id=customer_id)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@require_POST
@staff_required()
def customer_delete(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    services.customer_delete(org=actor.org, actor=actor, customer_id=customer_id)
    messages.success(request, "Customer deleted. Their history stays in reports.")
    return redirect("customers:list")


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
