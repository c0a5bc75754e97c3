"""The two-factor rule, in one place for every channel that accepts a session.

A login with a confirmed authenticator must have verified it in this session; an owner
(of any organization) without one must set one up before doing anything else.
"""

from __future__ import annotations

from typing import Any

from django_otp import user_has_device

from regulars.tenancy.models import Role, StaffMembership

VERIFY = "verify"
SETUP = "setup"


def is_owner_anywhere(user: Any) -> bool:
    """Owners of any organization must keep an authenticator."""
    return StaffMembership.unscoped.filter(
        user_id=user.pk, role=Role.OWNER, is_active=True
    ).exists()


def second_factor_needed(user: Any) -> str | None:
    """None when the session may proceed; else what the login must do first."""
    if user_has_device(user, confirmed=True):
        return None if user.is_verified() else VERIFY
    if is_owner_anywhere(user):
        return SETUP
    return None
