"""/api/v1/customers (minimal until the customer record lands), notes and /api/v1/categories."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.http import client_ip
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.customers import categories, consent, notes, selectors, services
from regulars.customers.models import ConsentSource, Customer
from regulars.customers.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ConsentIn,
    ConsentOut,
    CustomerCategoriesIn,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    NoteIn,
    NoteOut,
    NotePatch,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of

router = Router(tags=["customers"])


@router.get("/customers", response={200: Page[CustomerOut], **ERRORS})
def customer_list(
    request: HttpRequest,
    q: Text200 = "",
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(
        selectors.customer_list(org=actor.org, actor=actor, q=q, with_categories=True),
        cursor=cursor,
        limit=limit,
    )


@router.post("/customers", response={201: CustomerOut, **WRITE_ERRORS})
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    actor = actor_of(request)
    return Status(201, services.customer_create(org=actor.org, actor=actor, data=payload.dict()))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def customer_get(request: HttpRequest, customer_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.customer_get_for_actor(org=actor.org, actor=actor, customer_id=customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **WRITE_ERRORS})
def customer_update(request: HttpRequest, payload: CustomerPatch, customer_id: PathId) -> Any:
    actor = actor_of(request)
    return services.customer_update(
        org=actor.org,
        actor=actor,
        customer_id=customer_id,
        data=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete("/customers/{customer_id}", response={204: None, **WRITE_ERRORS})
def customer_delete(request: HttpRequest, customer_id: PathId) -> Any:
    actor = actor_of(request)
    services.customer_delete(org=actor.org, actor=actor, customer_id=customer_id)
    return Status(204, None)


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
