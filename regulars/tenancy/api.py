"""/api/v1/organization, /locations and /staff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.tenancy import selectors, services
from regulars.tenancy.http import actor_of
from regulars.tenancy.schemas import (
    LocationIn,
    LocationOut,
    LocationPatch,
    OrganizationOut,
    OrganizationPatch,
    StaffOut,
    StaffPatch,
)

router = Router(tags=["organization"])


@router.get("/organization", response={200: OrganizationOut, **ERRORS})
def organization_get(request: HttpRequest) -> Any:
    return actor_of(request).org


@router.patch("/organization", response={200: OrganizationOut, **WRITE_ERRORS})
def organization_update(request: HttpRequest, payload: OrganizationPatch) -> Any:
    actor = actor_of(request)
    return services.organization_update(
        org=actor.org, actor=actor, data=payload.dict(exclude_unset=True, exclude_none=True)
    )


@router.get("/locations", response={200: Page[LocationOut], **ERRORS})
def location_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(
        selectors.location_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/locations", response={201: LocationOut, **WRITE_ERRORS})
def location_create(request: HttpRequest, payload: LocationIn) -> Any:
    actor = actor_of(request)
    return Status(201, services.location_create(org=actor.org, actor=actor, data=payload.dict()))


@router.get("/locations/{location_id}", response={200: LocationOut, **ERRORS})
def location_get(request: HttpRequest, location_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.location_get_for_actor(org=actor.org, actor=actor, location_id=location_id)


@router.patch("/locations/{location_id}", response={200: LocationOut, **WRITE_ERRORS})
def location_update(request: HttpRequest, payload: LocationPatch, location_id: PathId) -> Any:
    actor = actor_of(request)
    return services.location_update(
        org=actor.org,
        actor=actor,
        location_id=location_id,
        data=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.delete("/locations/{location_id}", response={204: None, **WRITE_ERRORS})
def location_delete(request: HttpRequest, location_id: PathId) -> Any:
    actor = actor_of(request)
    services.location_delete(org=actor.org, actor=actor, location_id=location_id)
    return Status(204, None)


@router.get("/staff", response={200: Page[StaffOut], **ERRORS})
def staff_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(selectors.staff_list(org=actor.org, actor=actor), cursor=cursor, limit=limit)


@router.get("/staff/{membership_id}", response={200: StaffOut, **ERRORS})
def staff_get(request: HttpRequest, membership_id: PathId) -> Any:
    actor = actor_of(request)
    return selectors.staff_get_for_actor(org=actor.org, actor=actor, membership_id=membership_id)


@router.patch("/staff/{membership_id}", response={200: StaffOut, **WRITE_ERRORS})
def staff_update(request: HttpRequest, payload: StaffPatch, membership_id: PathId) -> Any:
    actor = actor_of(request)
    return services.staff_update(
        org=actor.org,
        actor=actor,
        membership_id=membership_id,
        role=payload.role,
        all_locations=payload.all_locations,
        location_ids=payload.location_ids,
        is_active=payload.is_active,
    )
