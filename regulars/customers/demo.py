"""The demo organization: locations, staff of every role and sample customers."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.db import transaction

from regulars.accounts.models import User
from regulars.audit.services import AuditItem, audit_record_many
from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.models import Customer
from regulars.customers.normalize import email_key
from regulars.customers.sample import sample_person
from regulars.tenancy.access import Channel, system_actor
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

DEMO_SLUG = "demo"
DEMO_STAFF = [
    ("owner@demo.regulars.test", "Olivia Owner", Role.OWNER),
    ("manager@demo.regulars.test", "Max Manager", Role.MANAGER),
    ("staff@demo.regulars.test", "Sam Staff", Role.STAFF),
    ("readonly@demo.regulars.test", "Rita Readonly", Role.READONLY),
]
DEMO_LOCATIONS = [
    ("Harbour Street", "12 Harbour Street", "Brighton", "BN1 1AA"),
    ("Old Town", "3 Market Lane", "Brighton", "BN2 4HJ"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    password: str


@transaction.atomic
def demo_create(*, customers: int = 2000) -> tuple[Organization, list[DemoLogin]]:
    """Creates the demo organization once. Passwords are random and returned to print."""
    logins: list[DemoLogin] = []
    users: dict[str, User] = {}
    for email, name, role in DEMO_STAFF:
        password = secrets.token_urlsafe(9)
        users[email] = User.objects.create_user(email=email, password=password, name=name)
        logins.append(DemoLogin(email=email, role=role, password=password))
    owner = users[DEMO_STAFF[0][0]]
    org = organization_create(
        name="Bloom & Co Salon",
        slug=DEMO_SLUG,
        owner=owner,
        channel=Channel.CLI,
        time_zone="Europe/London",
        country="GB",
        currency="GBP",
        sender_name="Bloom & Co",
        reply_to="hello@bloom.example.com",
    )
    with tenant_scope(org):
        locations = [
            Location.objects.create(
                organization=org, name=name, address_line1=line, city=city, postal_code=postcode
            )
            for name, line, city, postcode in DEMO_LOCATIONS
        ]
        for email, _name, role in DEMO_STAFF[1:]:
            membership = StaffMembership.objects.create(
                organization=org, user=users[email], role=role
            )
            if role == Role.STAFF:
                membership.all_locations = False
                membership.save(update_fields=["all_locations"])
                membership.locations.set([locations[0]])
        sample_customers_create(org=org, count=customers, locations=locations)
    return org, logins


def sample_customers_create(*, org: Organization, count: int, locations: list[Location]) -> int:
    """Bulk path for the demo: batches of rows with their audit entries."""
    rng = random.Random(4242)  # noqa: S311  (sample data)
    actor = system_actor(org, channel=Channel.CLI)
    batch_size = 500
    for start in range(0, count, batch_size):
        batch = [
            Customer(organization=org, **sample_person(rng, n, "d"))
            for n in range(start, min(count, start + batch_size))
        ]
        numbers = account_numbers_allocate(org=org, count=len(batch))
        for customer, number in zip(batch, numbers, strict=True):
            customer.all_locations = rng.random() < 0.6
            customer.account_number = number
            customer.email_key = email_key(customer.email)
        created = Customer.objects.bulk_create(batch)
        through = Customer.locations.through
        through.objects.bulk_create(
            [
                through(customer_id=c.pk, location_id=rng.choice(locations).pk)
                for c in created
                if not c.all_locations
            ]
        )
        audit_record_many(
            org=org,
            actor=actor,
            items=[
                AuditItem(action="customers.customer.created", target=c, changes={"source": "demo"})
                for c in created
            ],
        )
    return count
