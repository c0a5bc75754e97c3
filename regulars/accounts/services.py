"""Writes on logins, invitations and API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from regulars.accounts.models import ApiKey, Invitation, User
from regulars.accounts.selectors import (
    api_key_get_for_actor,
    invitation_get_for_actor,
)
from regulars.accounts.tokens import hash_secret, new_api_key, new_invitation_token
from regulars.audit.services import audit_record
from regulars.core.errors import DomainError, FieldError, NotFound
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Location, Organization, Role
from regulars.tenancy.scope import assert_in_scope, tenant_scope
from regulars.tenancy.services import membership_add


def _clean_email(email: str, field: str = "email") -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError.for_field(field, "Enter a valid email address.") from exc
    return email


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors = [FieldError("password", str(m)) for m in exc.messages]
        raise DomainError(detail=errors[0].message, errors=errors) from exc


def user_create(*, email: str, password: str, name: str = "") -> User:
    email = _clean_email(email)
    if User.objects.filter(email=email).exists():
        raise DomainError.for_field("email", "A login with this email already exists.")
    _check_password(password, User(email=email, name=name))
    return User.objects.create_user(email=email, password=password, name=name.strip())


def _invitation_locations(location_ids: list[int]) -> list[Location]:
    locations = list(Location.objects.filter(id__in=location_ids))
    if len(locations) != len(set(location_ids)):
        raise DomainError.for_field("locations", "One of the chosen locations does not exist.")
    return locations


def _send_invitation(invitation_id: int, token: str, org_id: int) -> None:
    invitation = Invitation.unscoped.select_related("organization", "invited_by").get(
        pk=invitation_id
    )
    org = invitation.organization
    link = f"{settings.SITE_URL}/accounts/invite/{token}/"
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "org": org, "link": link, "expires_at": invitation.expires_at},
    )
    message = EmailMessage(
        subject=f"You are invited to {org.name} on Regulars",
        body=body,
        to=[invitation.email],
        reply_to=[org.reply_to] if org.reply_to else None,
    )
    message.send()


@transaction.atomic
def invitation_create(
    *,
    org: Organization,
    actor: Actor,
    email: str,
    role: str,
    all_locations: bool = True,
    location_ids: list[int] | None = None,
) -> Invitation:
    """An emailed set-password link. The token is only in the email; the row keeps a hash."""
    assert_in_scope(org)
    actor.require(Cap.STAFF_MANAGE)
    email = _clean_email(email)
    if role not in Role.values:
        raise DomainError.for_field("role", f"Unknown role {role!r}.")
    locations = _invitation_locations(location_ids or [])
    if not all_locations and not locations:
        raise DomainError.for_field("locations", "Choose at least one location, or all locations.")
    from regulars.tenancy.models import StaffMembership

    if StaffMembership.objects.filter(user__email=email, is_active=True).exists():
        raise DomainError.for_field("email", f"{email} is already a member of {org.name}.")
    token = new_invitation_token()
    invitation = Invitation.objects.create(
        organization=org,
        email=email,
        role=role,
        all_locations=all_locations,
        token_hash=hash_secret(token),
        invited_by=actor.user,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    invitation.locations.set(locations)
    audit_record(
        org=org,
        actor=actor,
        action="accounts.invitation.created",
        target=invitation,
        changes={"email": email, "role": role},
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token, org.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, org: Organization, actor: Actor, invitation_id: int) -> Invitation:
    invitation = invitation_get_for_actor(org=org, actor=actor, invitation_id=invitation_id)
    actor.require(Cap.STAFF_MANAGE)
    if invitation.status != "pending":
        raise DomainError(
            detail=f"This invitation is already {invitation.status}.", code="invitation_closed"
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(org=org, actor=actor, action="accounts.invitation.revoked", target=invitation)
    return invitation


def invitation_by_token(token: str) -> Invitation:
    """The invitee's channel: the token alone finds the row, whatever its organization."""
    invitation = (
        Invitation.unscoped.select_related("organization")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None or invitation.status != "pending":
        raise NotFound(detail="This invitation link is not valid any more. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, name: str = "", password: str = ""
) -> tuple[User, Organization]:
    """Join with an existing login (already authenticated) or create one with a new password."""
    invitation = invitation_by_token(token)
    org = invitation.organization
    if user is None:
        user = user_create(email=invitation.email, password=password, name=name)
    elif user.email.lower() != invitation.email.lower():
        raise DomainError(
            detail=f"This invitation is for {invitation.email}; log out and open the link again.",
            code="invitation_other_user",
        )
    with tenant_scope(org):
        actor = Actor(org=org, role=invitation.role, channel="page", user=user)
        membership_add(
            org=org,
            actor=actor,
            user=user,
            role=invitation.role,
            all_locations=invitation.all_locations,
            location_ids=list(invitation.locations.values_list("id", flat=True)),
        )
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    return user, org


@transaction.atomic
def api_key_create(*, org: Organization, actor: Actor, name: str, role: str) -> tuple[ApiKey, str]:
    """Returns the row and the key itself, which is never retrievable again."""
    assert_in_scope(org)
    actor.require(Cap.API_KEYS_MANAGE)
    name = (name or "").strip()
    if not name:
        raise DomainError.for_field("name", "Give the key a name, e.g. the system that uses it.")
    if role not in Role.values:
        raise DomainError.for_field("role", f"Unknown role {role!r}.")
    key, prefix = new_api_key()
    api_key = ApiKey.objects.create(
        organization=org,
        name=name[:100],
        prefix=prefix,
        key_hash=hash_secret(key),
        role=role,
        created_by=actor.user,
    )
    audit_record(
        org=org,
        actor=actor,
        action="accounts.api_key.created",
        target=api_key,
        changes={"name": api_key.name, "role": role, "key_hash": "(new)"},
    )
    return api_key, key


@transaction.atomic
def api_key_revoke(*, org: Organization, actor: Actor, api_key_id: int) -> ApiKey:
    api_key = api_key_get_for_actor(org=org, actor=actor, api_key_id=api_key_id)
    actor.require(Cap.API_KEYS_MANAGE)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(org=org, actor=actor, action="accounts.api_key.revoked", target=api_key)
    return api_key


def api_key_touch(api_key: ApiKey) -> None:
    """Last use is kept to the minute, so a busy key does not write on every call."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > timedelta(minutes=1):
        ApiKey.unscoped.filter(pk=api_key.pk).update(last_used_at=now)


def profile_update(*, user: User, data: dict[str, Any]) -> User:
    name = str(data.get("name", user.name)).strip()[:200]
    if name != user.name:
        user.name = name
        user.save(update_fields=["name"])
    return user


@transaction.atomic
def first_run_setup(
    *,
    org_name: str,
    time_zone: str,
    country: str,
    currency: str,
    name: str,
    email: str,
    password: str,
    password2: str = "",
    channel: str = "page",
) -> tuple[User, Organization]:
    """The first owner and organization of a new install (first-run page, `createadmin`)."""
    from regulars.tenancy.services import organization_create

    user = user_create(email=email, password=password, name=name)
    org = organization_create(
        name=org_name,
        owner=user,
        channel=channel,
        time_zone=time_zone,
        country=country,
        currency=currency,
    )
    return user, org
