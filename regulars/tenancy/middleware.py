"""The page channel's one scope entry: staff session → membership → organization.

It also holds the two-factor gate for pages: a login with a TOTP device must verify it
before anything else, and an owner without one must set it up first.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.scope import activate, deactivate
from regulars.tenancy.second_factor import SETUP, VERIFY, second_factor_needed
from regulars.tenancy.selectors import membership_for_user

SESSION_ORG_KEY = "regulars_org_id"

# Paths reachable whatever the two-factor state (the API applies the rule in its auth class).
ALWAYS_OPEN = ("/static/", "/accounts/logout/", "/health", "/api/")
# The one page that resolves each two-factor state.
RESOLVES = {VERIFY: "/accounts/verify/", SETUP: "/accounts/2fa/setup/"}


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = activate(None)
        try:
            request.org = None  # type: ignore[attr-defined]
            request.membership = None  # type: ignore[attr-defined]
            request.actor = None  # type: ignore[attr-defined]
            user = request.user
            if user.is_authenticated:
                gate = self._second_factor_gate(request)
                if gate is not None:
                    return gate
                wanted = request.session.get(SESSION_ORG_KEY)
                membership = membership_for_user(user_id=user.pk or 0, org_id=wanted)
                if wanted is not None and membership is None:
                    # Membership of the session's organization ended: never carry a request
                    # over to another organization silently. Account pages (logout, an
                    # invitation link) go on without an organization.
                    del request.session[SESSION_ORG_KEY]
                    if not request.path.startswith(("/api/", "/accounts/")):
                        messages.warning(
                            request, "You are no longer a member of that organization."
                        )
                        return redirect("/")
                if membership is not None:
                    if wanted != membership.organization_id:  # write the session only on change
                        request.session[SESSION_ORG_KEY] = membership.organization_id
                    activate(membership.organization)
                    request.org = membership.organization  # type: ignore[attr-defined]
                    request.membership = membership  # type: ignore[attr-defined]
                    request.actor = actor_for_membership(  # type: ignore[attr-defined]
                        membership, channel=Channel.PAGE
                    )
            return self.get_response(request)
        finally:
            deactivate(token)

    def _second_factor_gate(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(ALWAYS_OPEN):
            return None
        needed = second_factor_needed(request.user)
        if needed is None or request.path == RESOLVES[needed]:
            return None
        target = RESOLVES[needed]
        if needed == SETUP:
            return redirect(f"{target}?required=1")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
