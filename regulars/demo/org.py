"""The demo organization: locations, staff of every role and generated customers."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from regulars.accounts.models import User
from regulars.demo.generator import CustomerGenerator
from regulars.demo.history import DEFAULT_PER_CUSTOMER, history_plan_create
from regulars.demo.loader import BATCH_SIZE, customers_load, demo_plan_create
from regulars.tenancy.access import Channel, system_actor
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

DEMO_SLUG = "demo"
DEMO_SEED = 4242
DEMO_CUSTOMERS = 5000
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


def demo_create(
    *,
    customers: int = DEMO_CUSTOMERS,
    seed: int = DEMO_SEED,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    history_per_customer: float = DEFAULT_PER_CUSTOMER,
    history_counts: Counter[str] | None = None,
) -> tuple[Organization, list[DemoLogin]]:
    """Creates the demo organization once. Passwords are random and returned to print.

    The organization, staff, categories, custom fields and services commit together; the
    customers follow in batches of `batch_size`, one transaction each (a million rows in one
    transaction would grow the SQLite WAL to gigabytes), each with about
    `history_per_customer` history rows (visits, orders, invoices) per customer and their
    figures (0: no history). What was written is added to `history_counts`.
    """
    org, logins = _organization_create()
    generator = CustomerGenerator(seed, region=org.country)
    with tenant_scope(org):
        actor = system_actor(org, channel=Channel.CLI)
        with transaction.atomic():
            plan = demo_plan_create(org=org, actor=actor)
            history = None
            if history_per_customer > 0 and customers:
                history = history_plan_create(
                    org=org,
                    actor=actor,
                    customers=generator,
                    locations=[location.pk for location in plan.locations],
                    staff=[
                        (m.user.pk, m.user.email)
                        for m in StaffMembership.objects.filter(is_active=True)
                        .exclude(role=Role.READONLY)
                        .select_related("user")
                        .order_by("id")
                    ],
                    per_customer=history_per_customer,
                )
        customers_load(
            org=org,
            actor=actor,
            generator=generator,
            count=customers,
            plan=plan,
            batch_size=batch_size,
            progress=progress,
            history=history,
            history_counts=history_counts,
        )
    return org, logins


@transaction.atomic
def _organization_create() -> tuple[Organization, list[DemoLogin]]:
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
    return org, logins
