"""/api/v1/custom-fields: the organization's custom field definitions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.customers import custom_field_selectors as selectors
from regulars.customers import custom_fields
from regulars.customers.custom_field_schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
)
from regulars.tenancy.http import actor_of

router = Router(tags=["custom fields"])


@router.get("/custom-fields", response={200: Page[CustomFieldOut], **ERRORS})
def custom_field_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Every custom field with its options (paged by id; `position` gives the form order)."""
    actor = actor_of(request)
    return cursor_page(
        selectors.custom_field_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/custom-fields", response={201: CustomFieldOut, **WRITE_ERRORS})
def custom_field_create(request: HttpRequest, payload: CustomFieldIn) -> Any:
    actor = actor_of(request)
    field = custom_fields.custom_field_create(org=actor.org, actor=actor, data=payload.dict())
    return Status(201, field)


@router.get("/custom-fields/{field_id}", response={200: CustomFieldOut, **ERRORS})
def custom_field_get(request: HttpRequest, field_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.custom_field_get_for_actor(org=actor.org, actor=actor, field_id=field_id)


@router.patch("/custom-fields/{field_id}", response={200: CustomFieldOut, **WRITE_ERRORS})
def custom_field_update(request: HttpRequest, payload: CustomFieldPatch, field_id: PathId) -> Any:
    """Changes label, help, flags, position and options; `key` and `field_type` stay."""
    actor = actor_of(request)
    return custom_fields.custom_field_update(
        org=actor.org,
        actor=actor,
        field_id=field_id,
        data=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete("/custom-fields/{field_id}", response={204: None, **WRITE_ERRORS})
def custom_field_delete(request: HttpRequest, field_id: PathId) -> Any:
    """Deletes the field and every customer's value of it."""
    actor = actor_of(request)
    custom_fields.custom_field_delete(org=actor.org, actor=actor, field_id=field_id)
    return Status(204, None)
