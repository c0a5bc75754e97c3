"""POST /api/v1/customers/bulk: one action on chosen customers or on a list's matches."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.errors import DomainError
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.lists import list_state, services
from regulars.lists.schemas import (
    BulkIn,
    BulkOut,
    ColumnSettingIn,
    ColumnSettingOut,
    SavedViewIn,
    SavedViewOut,
    SavedViewPatch,
)
from regulars.lists.services import matching_customers
from regulars.tenancy.access import Actor
from regulars.tenancy.http import actor_of

router = Router(tags=["customers"])


def _selection(actor: Actor, payload: BulkIn) -> Any:
    if (payload.ids is None) == (payload.filter is None):
        raise DomainError.for_field("ids", "Send either ids or a filter.")
    if payload.ids is not None:
        return services.selection_from_ids(org=actor.org, actor=actor, ids=payload.ids)
    customers, description = matching_customers(actor, payload.filter or "", field="filter")
    return services.selection_from_queryset(
        org=actor.org, actor=actor, customers=customers, description=description
    )


@router.post("/customers/bulk", response={200: BulkOut, 202: BulkOut, **WRITE_ERRORS})
def customers_bulk(request: HttpRequest, payload: BulkIn) -> Any:
    """Snapshots the customers (so a filter is never re-run while the action changes its
    matches), then changes up to 500 at once (200 with the result) or more as a job (202;
    poll the job). Deleting needs `"confirm": "DELETE"`."""
    actor = actor_of(request)
    params = payload.dict(exclude={"action", "ids", "filter"}, exclude_none=True)
    with transaction.atomic():  # a category made on the spot goes if the selection is refused
        action = services.bulk_prepare(
            org=actor.org, actor=actor, action=payload.action, params=params
        )
        selection = _selection(actor, payload)
        outcome = services.bulk_start(
            org=actor.org, actor=actor, selection=selection, action=action
        )
    body = {
        "action": outcome.action,
        "selection_id": selection.pk,
        "count": selection.count,
        "description": selection.description,
        "result": outcome.tally.as_dict() if outcome.tally else None,
        "job": outcome.job,
    }
    return Status(202 if outcome.job else 200, body)


@router.get("/saved-views", response={200: Page[SavedViewOut], **ERRORS})
def saved_view_list(
    request: HttpRequest, cursor: Text200 | None = None, limit: Limit = DEFAULT_LIMIT
) -> Any:
    """Your views and those shared with the organization."""
    actor = actor_of(request)
    return cursor_page(
        list_state.saved_view_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/saved-views", response={201: SavedViewOut, **WRITE_ERRORS})
def saved_view_create(request: HttpRequest, payload: SavedViewIn) -> Any:
    actor = actor_of(request)
    view = list_state.saved_view_create(org=actor.org, actor=actor, data=payload.dict())
    return Status(201, view)


@router.get("/saved-views/{view_id}", response={200: SavedViewOut, **ERRORS})
def saved_view_get(request: HttpRequest, view_id: PathId) -> Any:
    actor = actor_of(request)
    return list_state.saved_view_get(org=actor.org, actor=actor, view_id=view_id)


@router.patch("/saved-views/{view_id}", response={200: SavedViewOut, **WRITE_ERRORS})
def saved_view_update(request: HttpRequest, payload: SavedViewPatch, view_id: PathId) -> Any:
    """Only the view's owner changes it."""
    actor = actor_of(request)
    return list_state.saved_view_update(
        org=actor.org,
        actor=actor,
        view_id=view_id,
        data=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete("/saved-views/{view_id}", response={204: None, **WRITE_ERRORS})
def saved_view_delete(request: HttpRequest, view_id: PathId) -> Any:
    actor = actor_of(request)
    list_state.saved_view_delete(org=actor.org, actor=actor, view_id=view_id)
    return Status(204, None)


@router.get("/column-settings", response={200: ColumnSettingOut, **ERRORS})
def column_setting_get(request: HttpRequest) -> Any:
    """Your columns on the customer list, in order, and how many leading ones are locked."""
    actor = actor_of(request)
    return list_state.column_setting_get(org=actor.org, actor=actor)


@router.put("/column-settings", response={200: ColumnSettingOut, **WRITE_ERRORS})
def column_setting_set(request: HttpRequest, payload: ColumnSettingIn) -> Any:
    actor = actor_of(request)
    return list_state.column_setting_set(
        org=actor.org, actor=actor, columns=payload.columns, locked=payload.locked
    )
