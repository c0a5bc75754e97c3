"""/api/v1/customers (minimal until the customer record lands)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.customers import selectors, services
from regulars.customers.schemas import CustomerIn, CustomerOut, CustomerPatch
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
        selectors.customer_list(org=actor.org, actor=actor, q=q), cursor=cursor, limit=limit
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
