"""/api/v1/customers, their consent, categories and notes, deleted customers and /categories."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from regulars.core.api import ERRORS, VERSIONED_ERRORS, WRITE_ERRORS
from regulars.core.errors import DomainError
from regulars.core.http import client_ip
from regulars.core.paging import keyset_page
from regulars.core.schemas import (
    DEFAULT_LIMIT,
    Limit,
    Page,
    PathId,
    Text64,
    Text200,
    Text254,
    cursor_page,
)
from regulars.customers import categories, consent, notes, selectors, services
from regulars.customers.columns import parse_sort
from regulars.customers.custom_fields import custom_values_for
from regulars.customers.detail import customer_detail_for_actor
from regulars.customers.filters import parse_filters
from regulars.customers.matching import customer_find_visible
from regulars.customers.models import ConsentSource, Customer
from regulars.customers.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ConsentIn,
    ConsentOut,
    CustomerCategoriesIn,
    CustomerIn,
    CustomerLookupOut,
    CustomerOut,
    CustomerPatch,
    DeletedCustomerOut,
    NoteIn,
    NoteOut,
    NotePatch,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of

router = Router(tags=["customers"])
StatusFilter = Literal["active", "deactivated", "all"]


def _with_custom_values(page: dict[str, Any]) -> dict[str, Any]:
    """Custom values, category and location ids for a whole page in four queries, not
    per customer. The ids come from the link tables as plain pairs: prefetching the related
    objects built a scoped manager per row, which cost more than the queries."""
    items = page["items"]
    categories, locations = selectors.customer_link_ids(customers=items)
    for customer in items:
        customer.category_id_list = categories[customer.pk]
        customer.location_id_list = locations[customer.pk]
    values = custom_values_for(customer_ids=[c.pk for c in items])
    for customer in items:
        customer.custom_values_shaped = values[customer.pk]
    return page


@router.get("/customers", response={200: Page[CustomerOut], **ERRORS})
def customer_list(
    request: HttpRequest,
    q: Text200 = "",
    status: StatusFilter = "active",
    sort: Text200 | None = None,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Live customers, in the order they were added unless `sort` names a column
    (`sort=-created_at`; NULLs last, ties by id); with `q` and no `sort`, best match first
    (exact, then prefix, then substring matches). `status`: active (the working list),
    deactivated or all. Every filter of docs/api.md is accepted as a query parameter
    (`category__any=3,7&age_min=30&state=NSW&cf_shoe_size__gte=40`); a bad value answers
    400 naming the parameter. `count` is exact as of the first page: the cursors carry it,
    so later pages do not count again."""
    actor = actor_of(request)
    filters = parse_filters(org=actor.org, actor=actor, data=request.GET)
    if q.strip() and sort is None:
        # A search lists the best matches first; its cursor is a position in that ranking.
        hits = selectors.customer_search_page(
            org=actor.org,
            actor=actor,
            q=q,
            status=status,
            filters=filters,
            cursor=cursor,
            per_page=limit,
            search_key=urlencode(filters.pairs()),
        )
        ranked = {"items": hits.items, "next_cursor": hits.next_cursor, "count": hits.total}
        return _with_custom_values(ranked)
    customers = selectors.customer_list(
        org=actor.org, actor=actor, q=q, status=status, filters=filters
    )
    # Without `sort`, in the order they were added; the cursor is tied to this list's
    # search and filters, so another list's cursor is a 400 rather than a wrong page.
    order = parse_sort(sort).order if sort is not None else ("pk",)
    key = f"{status}\n{q.strip()}\n{filters.to_query()}"
    found = keyset_page(
        customers, order=order, cursor=cursor, per_page=limit, key=key, count=customers.count
    )
    page = {"items": found.items, "next_cursor": found.next_cursor, "count": found.total}
    return _with_custom_values(page)


@router.post("/customers", response={201: CustomerOut, **WRITE_ERRORS})
def customer_create(request: HttpRequest, payload: CustomerIn, response: HttpResponse) -> Any:
    actor = actor_of(request)
    data = payload.dict(exclude_none=True)
    if payload.custom_fields is not None:  # its null values clear, so not via exclude_none
        data["custom_fields"] = payload.custom_fields
    source = data.pop("source")
    customer = services.customer_create(org=actor.org, actor=actor, data=data, source=source)
    response["ETag"] = customer.etag
    return Status(201, _reload(actor, customer.pk))


def _reload(actor: Actor, customer_id: int) -> Customer:
    return selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)


@router.get("/customers/lookup", response={200: CustomerLookupOut, **ERRORS})
def customer_lookup(
    request: HttpRequest,
    email: Text254 = "",
    phone: Text64 = "",
    account_number: Text64 = "",
    loyalty_card: Text64 = "",
    external_id: Text200 = "",
) -> Any:
    """Finds the customer holding these keys, in the order email, phone, account number,
    card, external id. `outcome` is none, one, ambiguous (a key shared by several customers)
    or conflict (keys pointing to different customers). Deleted holders are listed apart,
    to restore rather than re-create."""
    actor = actor_of(request)
    keys = {
        "email": email,
        "phone": phone,
        "account_number": account_number,
        "loyalty_card": loyalty_card,
        "external_id": external_id,
    }
    match = customer_find_visible(org=actor.org, actor=actor, keys=keys)
    return {
        "outcome": match.outcome,
        "customer_id": match.customer.pk if match.customer else None,
        "candidate_ids": [c.pk for c in match.candidates],
        "deleted": match.deleted,
    }


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def customer_get(request: HttpRequest, customer_id: PathId, response: HttpResponse) -> Any:
    """The customer, with its `version` also as the ETag header to send back as If-Match."""
    actor = actor_of(request)
    customer = _customer_out(actor, customer_id)
    response["ETag"] = customer.etag
    return customer


def _customer_out(actor: Actor, customer_id: int) -> Customer:
    """The customer with all CustomerOut reads, in three or four queries compiled once."""
    return customer_detail_for_actor(org=actor.org, actor=actor, customer_id=customer_id)


def _expected_version(request: HttpRequest, customer_id: int, version: int | None) -> int | None:
    """The version the client edited: the If-Match ETag (ours: "<id>-<version>"), else the
    `version` field or query parameter."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        match = re.fullmatch(r'"(\d{1,18})-(\d{1,9})"', header)
        if match is None or int(match.group(1)) != customer_id:
            raise DomainError.for_field(
                "If-Match", 'Send this customer\'s ETag from GET as it was given, e.g. "12-3".'
            )
        return int(match.group(2))
    return version


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **VERSIONED_ERRORS})
def customer_update(
    request: HttpRequest, payload: CustomerPatch, customer_id: PathId, response: HttpResponse
) -> Any:
    """Changes the fields sent. Needs If-Match (the ETag) or `version`: 428 without, 409
    `version_conflict` with `current_version` when someone saved in between."""
    actor = actor_of(request)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    if payload.custom_fields is not None:
        data["custom_fields"] = payload.custom_fields
    for name in payload.cleared:  # "" for a date or a number: clear it
        data[name] = None
    version = data.pop("version", None)
    customer = services.customer_update(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        data=data,
        expected_version=_expected_version(request, customer_id, version),
    )
    response["ETag"] = customer.etag
    return _customer_out(actor, customer.pk)


@router.delete("/customers/{customer_id}", response={204: None, **VERSIONED_ERRORS})
def customer_delete(
    request: HttpRequest, customer_id: PathId, version: Annotated[int, Field(ge=1)] | None = None
) -> Any:
    """A soft delete (restore with POST …/restore). Needs If-Match or `?version=`."""
    actor = actor_of(request)
    services.customer_delete(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        expected_version=_expected_version(request, customer_id, version),
    )
    return Status(204, None)


@router.post("/customers/{customer_id}/deactivate", response={200: CustomerOut, **WRITE_ERRORS})
def customer_deactivate(request: HttpRequest, customer_id: PathId, response: HttpResponse) -> Any:
    """Takes the customer off the working list; reversible with …/reactivate."""
    actor = actor_of(request)
    customer = services.customer_deactivate(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        expected_version=_expected_version(request, customer_id, None),
    )
    response["ETag"] = customer.etag
    return _reload(actor, customer.pk)


@router.post("/customers/{customer_id}/reactivate", response={200: CustomerOut, **WRITE_ERRORS})
def customer_reactivate(request: HttpRequest, customer_id: PathId, response: HttpResponse) -> Any:
    actor = actor_of(request)
    customer = services.customer_reactivate(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        expected_version=_expected_version(request, customer_id, None),
    )
    response["ETag"] = customer.etag
    return _reload(actor, customer.pk)


@router.get("/deleted-customers", response={200: Page[DeletedCustomerOut], **ERRORS})
def deleted_customer_list(
    request: HttpRequest,
    q: Text200 = "",
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Deleted customers, newest deletion first (owners and managers)."""
    actor = actor_of(request)
    return cursor_page(
        selectors.deleted_customer_list(org=actor.org, actor=actor, q=q),
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )


@router.post("/customers/{customer_id}/restore", response={200: CustomerOut, **WRITE_ERRORS})
def customer_restore(request: HttpRequest, customer_id: PathId, response: HttpResponse) -> Any:
    """Brings a deleted customer back as they were (owners and managers)."""
    actor = actor_of(request)
    customer = services.customer_restore(org=actor.org, actor=actor, customer_id=customer_id)
    response["ETag"] = customer.etag
    return _reload(actor, customer.pk)


def _consent_out(
    actor: Actor, customer: Customer, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    history = selectors.consent_history(org=actor.org, actor=actor, customer_id=customer.pk)
    return {
        "email": {"state": customer.email_consent, "blocked": customer.email_blocked},
        "sms": {"state": customer.sms_consent, "blocked": customer.sms_blocked},
        "history": cursor_page(history, cursor=cursor, limit=limit, newest_first=True),
    }


@router.get("/customers/{customer_id}/consent", response={200: ConsentOut, **ERRORS})
def consent_get(
    request: HttpRequest,
    customer_id: PathId,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Current consent per channel and the consent history, newest first."""
    actor = actor_of(request)
    customer = selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)
    return _consent_out(actor, customer, cursor=cursor, limit=limit)


@router.post("/customers/{customer_id}/consent", response={200: ConsentOut, **ERRORS})
def consent_set(request: HttpRequest, payload: ConsentIn, customer_id: PathId) -> Any:
    """Sets a channel's consent (and optionally its block flag); a no-op change logs nothing."""
    actor = actor_of(request)
    customer = consent.consent_set(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        channel=payload.channel,
        state=payload.state,
        source=ConsentSource.API,
        detail=payload.detail,
        ip=client_ip(request),
        blocked=payload.blocked,
    )
    return _consent_out(actor, customer, cursor=None, limit=DEFAULT_LIMIT)


@router.put("/customers/{customer_id}/categories", response={200: CustomerOut, **WRITE_ERRORS})
def customer_categories_set(
    request: HttpRequest, payload: CustomerCategoriesIn, customer_id: PathId
) -> Any:
    """Replaces the customer's categories with exactly these (an empty list clears them)."""
    actor = actor_of(request)
    return categories.customer_categories_set(
        org=actor.org, actor=actor, customer_id=customer_id, category_ids=payload.category_ids
    )


@router.get("/customers/{customer_id}/notes", response={200: Page[NoteOut], **ERRORS})
def note_list(
    request: HttpRequest,
    customer_id: PathId,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """The customer's notes, oldest first."""
    actor = actor_of(request)
    return cursor_page(
        selectors.note_list(org=actor.org, actor=actor, customer_id=customer_id),
        cursor=cursor,
        limit=limit,
    )


@router.post("/customers/{customer_id}/notes", response={201: NoteOut, **WRITE_ERRORS})
def note_add(request: HttpRequest, payload: NoteIn, customer_id: PathId) -> Any:
    actor = actor_of(request)
    note = notes.note_add(org=actor.org, actor=actor, customer_id=customer_id, text=payload.text)
    return Status(201, note)


@router.patch("/customers/{customer_id}/notes/{note_id}", response={200: NoteOut, **WRITE_ERRORS})
def note_edit(
    request: HttpRequest, payload: NotePatch, customer_id: PathId, note_id: PathId
) -> Any:
    """Replaces the note's text (the old text stays in the audit)."""
    actor = actor_of(request)
    if payload.text is None:
        note = selectors.note_get_for_actor(
            org=actor.org, actor=actor, customer_id=customer_id, note_id=note_id
        )
        actor.require(Cap.NOTES_EDIT)
        return note
    return notes.note_edit(
        org=actor.org, actor=actor, customer_id=customer_id, note_id=note_id, text=payload.text
    )


@router.delete("/customers/{customer_id}/notes/{note_id}", response={204: None, **WRITE_ERRORS})
def note_delete(request: HttpRequest, customer_id: PathId, note_id: PathId) -> Any:
    actor = actor_of(request)
    notes.note_delete(org=actor.org, actor=actor, customer_id=customer_id, note_id=note_id)
    return Status(204, None)


@router.get("/categories", response={200: Page[CategoryOut], **ERRORS})
def category_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(
        selectors.category_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/categories", response={201: CategoryOut, **WRITE_ERRORS})
def category_create(request: HttpRequest, payload: CategoryIn) -> Any:
    actor = actor_of(request)
    return Status(201, categories.category_create(org=actor.org, actor=actor, data=payload.dict()))


@router.get("/categories/{category_id}", response={200: CategoryOut, **ERRORS})
def category_get(request: HttpRequest, category_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.category_get_for_actor(org=actor.org, actor=actor, category_id=category_id)


@router.patch("/categories/{category_id}", response={200: CategoryOut, **WRITE_ERRORS})
def category_update(request: HttpRequest, payload: CategoryPatch, category_id: PathId) -> Any:
    actor = actor_of(request)
    return categories.category_update(
        org=actor.org,
        actor=actor,
        category_id=category_id,
        data=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete("/categories/{category_id}", response={204: None, **WRITE_ERRORS})
def category_delete(request: HttpRequest, category_id: PathId) -> Any:
    actor = actor_of(request)
    categories.category_delete(org=actor.org, actor=actor, category_id=category_id)
    return Status(204, None)
