"""Invitations: an emailed set-password link that expires, works once, and is never shown.

Only a hash of the token is stored. A newer invitation, an acceptance, or a change to the
person's membership after the invitation was sent makes older links stop working.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from regulars.accounts.models import Invitation, User
from regulars.accounts.selectors import invitation_get_for_actor, invitation_pending_filter
from regulars.accounts.services import clean_email, user_create
from regulars.accounts.tokens import hash_secret, new_invitation_token
from regulars.audit.services import audit_record
from regulars.core.errors import DomainError, NotFound
from regulars.tenancy.access import Actor, Cap, Channel
from regulars.tenancy.models import Organization, Role, StaffMembership
from regulars.tenancy.scope import assert_in_scope, tenant_scope
from regulars.tenancy.selectors import locations_for_ids
from regulars.tenancy.services import membership_add

INVALID = "This invitation link is not valid any more. Ask for a new one."


def _send(invitation_id: int, token: str) -> None:
    invitation = Invitation.unscoped.select_related("organization", "invited_by").get(
        pk=invitation_id
    )
    org = invitation.organization
    link = f"{settings.SITE_URL}/accounts/invite/{token}/"
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "org": org, "link": link, "expires_at": invitation.expires_at},
    )
    EmailMessage(
        subject=f"You are invited to {org.name} on Regulars",
        body=body,
        to=[invitation.email],
        reply_to=[org.reply_to] if org.reply_to else None,
    ).send()


def _send_on_commit(invitation: Invitation, token: str) -> None:
    # robust: a mail server that is down must not turn the saved invitation into a 500;
    # the owner can resend from the staff page.
    transaction.on_commit(lambda: _send(invitation.pk, token), robust=True)


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
    assert_in_scope(org)
    actor.require(Cap.STAFF_MANAGE)
    email = clean_email(email)
    if role not in Role.values:
        raise DomainError.for_field("role", f"Unknown role {role!r}.")
    locations = locations_for_ids(location_ids or [])
    if not all_locations and not locations:
        raise DomainError.for_field("locations", "Choose at least one location, or all locations.")
    if role == Role.OWNER and not all_locations:
        raise DomainError.for_field("all_locations", "Owners work across all locations.")
    if StaffMembership.objects.filter(user__email=email, is_active=True).exists():
        raise DomainError.for_field("email", f"{email} is already a member of {org.name}.")
    # One working link per person: a new invitation replaces the pending ones.
    Invitation.objects.filter(email=email, **invitation_pending_filter()).update(
        revoked_at=timezone.now()
    )
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
    _send_on_commit(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(*, org: Organization, actor: Actor, invitation_id: int) -> Invitation:
    """A new link (the old one stops working) and a fresh expiry, emailed again."""
    invitation = invitation_get_for_actor(org=org, actor=actor, invitation_id=invitation_id)
    actor.require(Cap.STAFF_MANAGE)
    if invitation.accepted_at or invitation.revoked_at:
        raise DomainError(
            detail=f"This invitation is already {invitation.status}.", code="invitation_closed"
        )
    token = new_invitation_token()
    invitation.token_hash = hash_secret(token)
    invitation.expires_at = timezone.now() + settings.INVITATION_TTL
    invitation.save(update_fields=["token_hash", "expires_at"])
    # A resent invitation counts from now: membership changes before it don't overtake it.
    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now())
    audit_record(org=org, actor=actor, action="accounts.invitation.resent", target=invitation)
    _send_on_commit(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, org: Organization, actor: Actor, invitation_id: int) -> Invitation:
    invitation = invitation_get_for_actor(org=org, actor=actor, invitation_id=invitation_id)
    actor.require(Cap.STAFF_MANAGE)
    if not Invitation.objects.filter(pk=invitation.pk, **invitation_pending_filter()).update(
        revoked_at=timezone.now()
    ):
        raise DomainError(
            detail=f"This invitation is already {invitation.status}.", code="invitation_closed"
        )
    audit_record(org=org, actor=actor, action="accounts.invitation.revoked", target=invitation)
    invitation.refresh_from_db()
    return invitation


def invitation_by_token(token: str) -> Invitation:
    """The invitee's channel: the token alone finds the row, whatever its organization."""
    invitation = (
        Invitation.unscoped.select_related("organization")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None or invitation.status != "pending":
        raise NotFound(detail=INVALID)
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, name: str = "", password: str = ""
) -> tuple[User, Organization]:
    """Join with an existing login (already authenticated) or create one with a password."""
    invitation = invitation_by_token(token)
    org = invitation.organization
    if user is not None and user.email.lower() != invitation.email.lower():
        raise DomainError(
            detail=f"This invitation is for {invitation.email}; log out and open the link again.",
            code="invitation_other_user",
        )
    with tenant_scope(org):
        if user is not None:
            membership = StaffMembership.objects.filter(user=user).first()
            if membership is not None and membership.is_active:
                raise DomainError(
                    detail=f"You are already a member of {org.name}.", code="already_member"
                )
            if membership is not None and membership.updated_at > invitation.created_at:
                raise NotFound(detail=INVALID)  # an owner changed the membership since
        # Claimed with a conditional update, so two tabs (or a revoke) cannot both win.
        if not Invitation.objects.filter(pk=invitation.pk, **invitation_pending_filter()).update(
            accepted_at=timezone.now()
        ):
            raise NotFound(detail=INVALID)
        if user is None:
            user = user_create(email=invitation.email, password=password, name=name)
        actor = Actor(org=org, role=invitation.role, channel=Channel.PAGE, user=user)
        membership_add(
            org=org,
            actor=actor,
            user=user,
            role=invitation.role,
            all_locations=invitation.all_locations,
            location_ids=list(invitation.locations.values_list("id", flat=True)),
        )
        Invitation.objects.filter(email=invitation.email, **invitation_pending_filter()).update(
            revoked_at=timezone.now()
        )
    return user, org
