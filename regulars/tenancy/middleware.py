"""The page channel's one scope entry: staff session → membership → organization.

It also holds the two-factor gate for pages: a login with a TOTP device must verify it
before anything else, and an owner without one must set it up first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import user_has_device

from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.models import Role, StaffMembership
from regulars.tenancy.scope import activate, deactivate
from regulars.tenancy.selectors import membership_for_user

SESSION_ORG_KEY = "regulars_org_id"

# Paths a logged-in person may reach before the two-factor gate is passed.
OTP_EXEMPT_PREFIXES = (
    "/static/",
    "/accounts/logout/",
    "/accounts/verify/",
    "/accounts/2fa/",
    "/api/",
    "/health",
)


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
                gate = self._otp_gate(request)
                if gate is not None:
                    return gate
                membership = membership_for_user(
                    user_id=user.pk or 0, org_id=request.session.get(SESSION_ORG_KEY)
                )
                if membership is not None:
                    activate(membership.organization)
                    request.org = membership.organization  # type: ignore[attr-defined]
                    request.membership = membership  # type: ignore[attr-defined]
                    request.actor = actor_for_membership(  # type: ignore[attr-defined]
                        membership, channel=Channel.PAGE
                    )
            return self.get_response(request)
        finally:
            deactivate(token)

    def _otp_gate(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(OTP_EXEMPT_PREFIXES):
            return None
        user = request.user
        if user_has_device(user):
            if not user.is_verified():  # type: ignore[union-attr]
                return redirect(f"/accounts/verify/?next={request.path}")
            return None
        if StaffMembership.unscoped.filter(
            user_id=user.pk or 0, role=Role.OWNER, is_active=True
        ).exists():
            return redirect("/accounts/2fa/setup/?required=1")
        return None
