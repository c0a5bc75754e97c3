"""Customer pages (minimal until the customer record lands)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from regulars.audit.selectors import audit_entries_for_customer
from regulars.core.errors import DomainError
from regulars.core.http import client_ip
from regulars.core.paging import paginate, sort
from regulars.core.text import query_text
from regulars.customers import consent, selectors, services
from regulars.customers.forms import ConsentForm, CustomerForm, SampleForm
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
        selectors.customer_list(org=actor.org, actor=actor, q=q),
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
    consent_form: ConsentForm | None = None,
    status: int = 200,
) -> HttpResponse:
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
        "consent_form": consent_form,
    }
    return render(request, "customers/customer_detail.html", context, status=status)


@staff_required()
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    return _detail(request, actor, customer)


@staff_required()
def consent_change(request: HttpRequest, customer_id: int) -> HttpResponse:
    """POST from the Consent card of the profile; a GET goes back to the profile."""
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    if request.method != "POST":
        return redirect("customers:detail", customer_id=customer.pk)
    actor.require(Cap.CUSTOMERS_EDIT)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent.consent_set(
                org=actor.org,
                actor=actor,
                customer_id=customer.pk,
                channel=form.cleaned_data["channel"],
                state=form.cleaned_data["state"],
                source=ConsentSource.FORM,
                detail=form.cleaned_data["detail"],
                ip=client_ip(request),
                blocked=form.cleaned_data["blocked"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Consent saved.")
            return redirect("customers:detail", customer_id=customer.pk)
    return _detail(request, actor, customer, consent_form=form)


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
