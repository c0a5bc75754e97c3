"""Test data built through the same services the application uses, organization explicit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from regulars.accounts.models import User
from regulars.accounts.services import api_key_create
from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.models import Customer
from regulars.customers.normalize import email_key
from regulars.customers.search import search_fields
from regulars.tenancy.access import Actor, Channel, actor_for_membership
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@dataclass
class Member:
    user: User
    membership: StaffMembership
    org: Organization

    @property
    def actor(self) -> Actor:
        with tenant_scope(self.org):
            return actor_for_membership(self.membership, channel=Channel.PAGE)


def make_user(email: str | None = None, name: str = "") -> User:
    email = email or f"user{next(_seq)}@example.test"
    return User.objects.create_user(email=email, password=PASSWORD, name=name or email)


def make_org(name: str, owner: User | None = None) -> tuple[Organization, User]:
    owner = owner or make_user(f"owner-{name.lower().replace(' ', '-')}@example.test")
    org = organization_create(name=name, owner=owner, channel=Channel.SYSTEM)
    return org, owner


def make_member(
    org: Organization,
    role: str,
    *,
    email: str | None = None,
    locations: list[Location] | None = None,
) -> Member:
    user = make_user(email)
    with tenant_scope(org):
        membership = StaffMembership.objects.create(
            organization=org, user=user, role=role, all_locations=locations is None
        )
        if locations:
            membership.locations.set(locations)
    return Member(user=user, membership=membership, org=org)


def owner_member(org: Organization, user: User) -> Member:
    with tenant_scope(org):
        membership = StaffMembership.objects.get(user=user)
    return Member(user=user, membership=membership, org=org)


def make_location(org: Organization, name: str) -> Location:
    with tenant_scope(org):
        return Location.objects.create(organization=org, name=name, city="Testville")


def make_customer(
    org: Organization,
    first: str,
    last: str,
    *,
    email: str = "",
    locations: list[Location] | None = None,
    **fields: Any,
) -> Customer:
    """`fields`: more columns as stored (phones in E.164)."""
    with tenant_scope(org):
        customer = Customer.objects.create(
            organization=org,
            first_name=first,
            last_name=last,
            email=email,
            email_key=email_key(email),
            account_number=fields.pop("account_number", None)
            or account_numbers_allocate(org=org)[0],
            all_locations=locations is None,
            **search_fields({"first_name": first, "last_name": last, "email": email}),
            **fields,
        )
        if locations:
            customer.locations.set(locations)
    return customer


def make_api_key(member: Member, role: str = Role.OWNER) -> str:
    with tenant_scope(member.org):
        _row, key = api_key_create(
            org=member.org, actor=member.actor, name=f"key {next(_seq)}", role=role
        )
    return key


def confirmed_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
