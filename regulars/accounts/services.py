"""Writes on logins, invitations and API keys."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from regulars.accounts.models import ApiKey, User
from regulars.accounts.selectors import (
    api_key_get_for_actor,
)
from regulars.accounts.tokens import hash_secret, new_api_key
from regulars.audit.services import audit_record
from regulars.core.errors import DomainError, FieldError
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization, Role
from regulars.tenancy.scope import assert_in_scope
from regulars.tenancy.services import organization_create


def clean_email(email: str, field: str = "email") -> str:
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
    email = clean_email(email)
    if User.objects.filter(email=email).exists():
        raise DomainError.for_field("email", "A login with this email already exists.")
    _check_password(password, User(email=email, name=name))
    return User.objects.create_user(email=email, password=password, name=name.strip())


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
    channel: str = "page",
) -> tuple[User, Organization]:
    """The first owner and organization of a new install (first-run page, `createadmin`)."""
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
