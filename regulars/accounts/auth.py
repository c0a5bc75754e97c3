"""The API channel's scope entries: an API key, or a verified staff session with CSRF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from regulars.accounts.selectors import api_key_authenticate
from regulars.accounts.services import api_key_touch
from regulars.tenancy.access import Actor, Channel
from regulars.tenancy.scope import activate
from regulars.tenancy.second_factor import second_factor_needed


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        if len(token) > 200:
            return None
        api_key = api_key_authenticate(token)
        if api_key is None:
            return None
        # The tenant middleware resets this scope when the response leaves.
        activate(api_key.organization)
        actor = Actor(
            org=api_key.organization,
            role=api_key.role,
            channel=Channel.API,
            api_key_id=api_key.pk,
        )
        request.actor = actor  # type: ignore[attr-defined]
        api_key_touch(api_key)
        return actor


class StaffSessionAuth(SessionAuth):
    """The browser's session; the middleware already opened the organization's scope."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # anonymous: 401, not a CSRF 403
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        actor: Actor | None = getattr(request, "actor", None)
        if actor is None or key is None:
            return None
        if second_factor_needed(request.user) is not None:
            return None  # the same rule as pages: verify, or (owners) set up, first
        request.actor = actor.with_channel(Channel.API)  # type: ignore[attr-defined]
        return request.actor  # type: ignore[attr-defined]
