"""Reads of invitations and API keys, and the API key lookup for authentication."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from regulars.accounts.models import ApiKey, Invitation
from regulars.accounts.tokens import same_hash, split_api_key
from regulars.core.errors import NotFound
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.prepared import Prepared
from regulars.tenancy.scope import assert_in_scope


def invitation_list(*, org: Organization, actor: Actor) -> QuerySet[Invitation]:
    assert_in_scope(org)
    actor.require(Cap.STAFF_MANAGE)
    return Invitation.objects.all()


def invitation_pending_filter() -> dict[str, object]:
    return {
        "accepted_at__isnull": True,
        "revoked_at__isnull": True,
        "expires_at__gt": timezone.now(),
    }


def invitations_pending(*, org: Organization, actor: Actor) -> QuerySet[Invitation]:
    return invitation_list(org=org, actor=actor).filter(**invitation_pending_filter())


def invitation_get_for_actor(*, org: Organization, actor: Actor, invitation_id: int) -> Invitation:
    assert_in_scope(org)
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound()
    return invitation


def api_key_list(*, org: Organization, actor: Actor) -> QuerySet[ApiKey]:
    assert_in_scope(org)
    actor.require(Cap.API_KEYS_MANAGE)
    return ApiKey.objects.all()


def api_key_get_for_actor(*, org: Organization, actor: Actor, api_key_id: int) -> ApiKey:
    assert_in_scope(org)
    api_key = ApiKey.objects.filter(pk=api_key_id).first()
    if api_key is None:
        raise NotFound()
    return api_key


# One indexed query on every API call, compiled once: the prefix is unique, so no ORDER BY,
# and the organization comes in the same row. Not cached: a revoked key fails at once.
_api_key_by_prefix: Prepared[ApiKey] = Prepared(
    lambda prefix: (
        ApiKey.unscoped.select_related("organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .order_by()[:1]
    ),
    args={"prefix": "str"},
    tenant=False,
)


def api_key_authenticate(key: str) -> ApiKey | None:
    """The API channel's lookup, across organizations: the key decides which one."""
    prefix = split_api_key(key)
    if prefix is None:
        return None
    api_key = next(iter(_api_key_by_prefix(prefix=prefix)), None)
    if api_key is None or not same_hash(key, api_key.key_hash):
        return None
    return api_key


def login_exists(email: str) -> bool:
    from regulars.accounts.models import User

    return User.objects.filter(email__iexact=email).exists()
