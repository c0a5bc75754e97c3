"""The bulk action page: confirm what happens to the selected customers, then do it."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from regulars.core.errors import DomainError
from regulars.customers.selectors import category_list
from regulars.lists import services
from regulars.lists.forms import BulkForm
from regulars.tenancy.access import Cap
from regulars.tenancy.http import actor_of, staff_required


def _ids(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("ids")
    return [int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 16]


@staff_required(Cap.CUSTOMERS_EDIT)
def bulk(request: HttpRequest) -> HttpResponse:
    """POST from the list (ids, or "all matching" with the list's query) shows the confirm
    page; POST with `go` snapshots the customers and acts: at once, or as a job."""
    actor = actor_of(request)
    if request.method != "POST":
        return redirect("customers:list")
    query = request.POST.get("query", "")[:2000]
    all_matching = request.POST.get("all_matching") == "1"
    ids = _ids(request)
    try:
        customers, description = services.matching_customers(actor, query, field="query")
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("customers:list")
    count = customers.count() if all_matching else len(set(ids))
    form = BulkForm(
        request.POST if "go" in request.POST else None,
        initial={"action": request.POST.get("action", "add_category")},
        categories=list(category_list(org=actor.org, actor=actor)),
    )
    if not count:
        messages.error(request, "Choose customers first: tick rows, or “all matching”.")
        return redirect(f"/customers/?{QueryDict(query).urlencode()}")
    if "go" in request.POST and form.is_valid():
        try:
            # One transaction: a category made on the spot goes away if the rest fails.
            with transaction.atomic():
                action = services.bulk_prepare(
                    org=actor.org,
                    actor=actor,
                    action=form.cleaned_data["action"],
                    params=form.params(),
                )
                selection = (
                    services.selection_from_queryset(
                        org=actor.org, actor=actor, customers=customers, description=description
                    )
                    if all_matching
                    else services.selection_from_ids(org=actor.org, actor=actor, ids=ids)
                )
                outcome = services.bulk_start(
                    org=actor.org, actor=actor, selection=selection, action=action
                )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if outcome.job is not None:
                return redirect("jobs:detail", job_id=outcome.job.pk)
            tally = outcome.tally.as_dict() if outcome.tally else {}
            messages.success(
                request,
                f"{action.describe()}: {tally.get('changed', 0)} changed, "
                f"{tally.get('unchanged', 0)} unchanged, {tally.get('skipped', 0)} skipped.",
            )
            return redirect(f"/customers/?{QueryDict(query).urlencode()}")
    context = {
        "form": form,
        "count": count,
        "description": description if all_matching else "chosen by hand",
        "ids": ids,
        "all_matching": all_matching,
        "query": query,
        "inline_max": services.INLINE_MAX,
    }
    return render(request, "lists/bulk_confirm.html", context)
