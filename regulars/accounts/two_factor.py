"""Writes on a login's authenticator (TOTP device), audited in each of its organizations."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from regulars.accounts.models import User
from regulars.audit.services import audit_record
from regulars.core.errors import DomainError
from regulars.tenancy.access import Channel, actor_for_membership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.second_factor import is_owner_anywhere
from regulars.tenancy.selectors import memberships_for_user


def _audit_everywhere(user: User, action: str) -> None:
    """A login's security events belong to every organization the login can act in."""
    for membership in memberships_for_user(user_id=user.pk):
        org = membership.organization
        with tenant_scope(org):
            actor = actor_for_membership(membership, channel=Channel.PAGE)
            audit_record(org=org, actor=actor, action=action, target=user)


def totp_device_for_setup(*, user: User) -> TOTPDevice:
    """The login's unconfirmed authenticator, created on the first visit to the setup page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """The first correct code turns the authenticator on."""
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit_everywhere(user, "accounts.two_factor.enabled")
    return True


@transaction.atomic
def totp_disable(*, user: User, token: str) -> None:
    """Only with a current code (a stolen session alone cannot do it), never for owners."""
    if is_owner_anywhere(user):
        raise DomainError(detail="Owners must keep two-factor sign-in on.", code="owner_needs_2fa")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_token(token.strip()):
        raise DomainError.for_field("token", "That code is not right. Enter the current one.")
    TOTPDevice.objects.filter(user=user).delete()
    _audit_everywhere(user, "accounts.two_factor.disabled")
