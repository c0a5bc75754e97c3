"""/api/v1/me, /invitations and /api-keys."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from regulars.accounts import invitations, selectors, services
from regulars.accounts.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    InvitationIn,
    InvitationOut,
    MeOut,
)
from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text200, cursor_page
from regulars.tenancy.access import ROLE_CAPABILITIES
from regulars.tenancy.http import actor_of

router = Router(tags=["staff access"])


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> Any:
    actor = actor_of(request)
    return {
        "user_id": actor.user.pk if actor.user else None,
        "email": actor.user.email if actor.user else None,
        "name": actor.user.name if actor.user else None,
        "organization_id": actor.org.pk,
        "organization_slug": actor.org.slug,
        "role": actor.role,
        "channel": actor.channel,
        "capabilities": sorted(ROLE_CAPABILITIES[actor.role]),
    }


@router.get("/invitations", response={200: Page[InvitationOut], **ERRORS})
def invitation_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(
        selectors.invitation_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/invitations", response={201: InvitationOut, **WRITE_ERRORS})
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    actor = actor_of(request)
    return Status(
        201,
        invitations.invitation_create(
            org=actor.org,
            actor=actor,
            email=payload.email,
            role=payload.role,
            all_locations=payload.all_locations,
            location_ids=payload.location_ids,
        ),
    )


@router.delete("/invitations/{invitation_id}", response={200: InvitationOut, **WRITE_ERRORS})
def invitation_revoke(request: HttpRequest, invitation_id: PathId) -> Any:
    actor = actor_of(request)
    return invitations.invitation_revoke(org=actor.org, actor=actor, invitation_id=invitation_id)


@router.post("/invitations/{invitation_id}/resend", response={200: InvitationOut, **WRITE_ERRORS})
def invitation_resend(request: HttpRequest, invitation_id: PathId) -> Any:
    """A new link for the same invitation (the old link stops working), emailed again."""
    actor = actor_of(request)
    return invitations.invitation_resend(org=actor.org, actor=actor, invitation_id=invitation_id)


@router.get("/api-keys", response={200: Page[ApiKeyOut], **ERRORS})
def api_key_list(
    request: HttpRequest,
    cursor: Text200 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    actor = actor_of(request)
    return cursor_page(
        selectors.api_key_list(org=actor.org, actor=actor), cursor=cursor, limit=limit
    )


@router.post("/api-keys", response={201: ApiKeyCreatedOut, **WRITE_ERRORS})
def api_key_create(request: HttpRequest, payload: ApiKeyIn) -> Any:
    actor = actor_of(request)
    api_key, key = services.api_key_create(
        org=actor.org, actor=actor, name=payload.name, role=payload.role
    )
    api_key.key = key  # type: ignore[attr-defined]
    return Status(201, api_key)


@router.delete("/api-keys/{api_key_id}", response={200: ApiKeyOut, **WRITE_ERRORS})
def api_key_revoke(request: HttpRequest, api_key_id: PathId) -> Any:
    actor = actor_of(request)
    return services.api_key_revoke(org=actor.org, actor=actor, api_key_id=api_key_id)
