"""Every URL pattern and every API operation, called across the tenancy boundary.

The route tables below must name every pattern and operation: a new route without an entry
fails `test_every_route_is_in_the_walk`, so later features are covered automatically.

As another organization's owner with the first organization's ids: 404 and no change.
As a location-limited staff member, for rows outside their locations: 404.
As read-only: 403 on every write (and no change). Anonymous: the login page, or 401 (API).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from regulars.accounts.invitations import invitation_create
from regulars.accounts.models import ApiKey, Invitation
from regulars.api import api
from regulars.audit.models import AuditEntry
from regulars.customers.categories import category_create, customer_categories_set
from regulars.customers.custom_fields import (
    custom_field_create,
    custom_values_clean,
    custom_values_save,
)
from regulars.customers.models import (
    Category,
    ConsentEvent,
    Customer,
    CustomField,
    CustomFieldOption,
    CustomFieldValue,
    Note,
    Reminder,
)
from regulars.customers.notes import note_add
from regulars.customers.reminders import reminder_add
from regulars.customers.services import customer_create, customer_delete
from regulars.history.catalogue import service_create
from regulars.history.invoices import invoice_record, payment_record
from regulars.history.models import Invoice, Order, OrderLine, Payment, Service, Visit
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.jobs.models import Job
from regulars.jobs.runner import execute_job
from regulars.lists.list_state import saved_view_create
from regulars.lists.models import ColumnSetting, SavedView
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.exports import ExportAsk, export_request
from regulars.transfer.models import ExportRun, ImportRun, SavedMapping
from regulars.transfer.services import import_upload
from tests.conftest import World, login
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db

# ------------------------------------------------------------------ fixtures: org A's rows


@dataclass
class Ids:
    location_id: int
    membership_id: int
    invitation_id: int
    api_key_id: int
    job_id: int
    customer_id: int
    customer_outside_id: int  # assigned to loc_a2 only: outside limited_a's locations
    category_id: int
    note_id: int  # on customer_id
    reminder_id: int  # on customer_id
    view_id: int  # owner A's saved view, shared with the organization
    field_id: int  # a custom field; customer_id has a value of it
    import_id: int  # an uploaded import (mapping not confirmed yet)
    service_id: int  # a service of the catalogue (named by visit_id)
    visit_id: int  # on customer_id
    order_id: int  # on customer_id
    invoice_id: int  # on customer_id
    payment_id: int  # on invoice_id
    export_id: int  # owner A's finished export of the saved view
    token: str  # its download link


@pytest.fixture
def ids(
    world: World, customers_a: dict[str, Customer], django_capture_on_commit_callbacks: Any
) -> Ids:
    org = world.org_a
    with tenant_scope(org):
        invitation = invitation_create(
            org=org, actor=world.owner_a.actor, email="invitee-a@example.test", role=Role.STAFF
        )
        make_api_key(world.owner_a)
        api_key = ApiKey.objects.order_by("-id").first()
        job = Job.objects.create(
            organization=org,
            kind="customers.sample",
            label="Alpha job",
            requester=world.owner_a.user,
            params={"count": 1},
        )
        category = category_create(
            org=org, actor=world.owner_a.actor, data={"name": "Alpha VIP", "colour": "#aa0000"}
        )
        customer_categories_set(
            org=org,
            actor=world.owner_a.actor,
            customer_id=customers_a["everywhere"].pk,
            category_ids=[category.pk],
        )
        note = note_add(
            org=org,
            actor=world.owner_a.actor,
            customer_id=customers_a["everywhere"].pk,
            text="Alpha secret note",
        )
        gone = customer_create(
            org=org, actor=world.owner_a.actor, data={"first_name": "Deleted", "last_name": "Dora"}
        )
        customer_delete(org=org, actor=world.owner_a.actor, customer_id=gone.pk, expected_version=1)
        reminder = reminder_add(
            org=org,
            actor=world.owner_a.actor,
            customer_id=customers_a["everywhere"].pk,
            data={"text": "Alpha secret reminder", "due_date": "2030-01-01"},
        )
        field = custom_field_create(
            org=org,
            actor=world.owner_a.actor,
            data={"label": "Alpha hair type", "field_type": "choice", "options": ["Alpha curly"]},
        )
        custom_values_save(
            customer=customers_a["everywhere"],
            cleaned=custom_values_clean(org=org, values={field.key: "Alpha curly"}, partial=True),
        )
        view = saved_view_create(
            org=org,
            actor=world.owner_a.actor,
            data={"name": "Alpha saved view", "query": "city=Alphaville", "shared": True},
        )
        run = import_upload(
            org=org,
            actor=world.owner_a.actor,
            content=io.BytesIO(IMPORT_CSV),
            name="alpha-import.csv",
        )
        history = _history_rows(world, customers_a["everywhere"].pk)
        export = export_request(
            org=org,
            actor=world.owner_a.actor,
            ask=ExportAsk("view", "csv", view_id=view.pk),
            ip="127.0.0.1",
            enqueue=False,
        )
        assert export.job is not None
        assert execute_job(export.job.pk) == "succeeded"
    assert api_key is not None
    return Ids(
        location_id=world.loc_a1.pk,
        membership_id=world.staff_a.membership.pk,
        invitation_id=invitation.pk,
        api_key_id=api_key.pk,
        job_id=job.pk,
        customer_id=customers_a["everywhere"].pk,
        customer_outside_id=customers_a["south_only"].pk,
        category_id=category.pk,
        note_id=note.pk,
        reminder_id=reminder.pk,
        field_id=field.pk,
        view_id=view.pk,
        import_id=run.pk,
        export_id=export.pk,
        token=export.token,
        **history,
    )


def _history_rows(world: World, customer_id: int) -> dict[str, int]:
    org, actor = world.org_a, world.owner_a.actor
    service = service_create(org=org, actor=actor, data={"name": "Alpha secret service"})
    visit, _ = visit_record(
        org=org,
        actor=actor,
        data={
            "customer_id": customer_id,
            "starts_at": "2026-01-05T10:00",
            "amount": "55.00",
            "service_ids": [service.pk],
            "note": "Alpha visit note",
        },
    )
    order, _ = order_record(
        org=org,
        actor=actor,
        data={
            "customer_id": customer_id,
            "number": "ALPHA-7",
            "ordered_at": "2026-01-05T10:30",
            "lines": [{"description": "Alpha shampoo", "unit_price": "12.00"}],
        },
    )
    invoice, _ = invoice_record(
        org=org,
        actor=actor,
        data={
            "customer_id": customer_id,
            "number": "ALPHA-INV-1",
            "issued_on": "2026-01-05",
            "due_on": "2026-02-05",
            "amount": "90.00",
        },
    )
    payment = payment_record(
        org=org,
        actor=actor,
        data={"invoice_id": invoice.pk, "paid_on": "2026-01-10", "amount": "40.00"},
    )
    return {
        "service_id": service.pk,
        "visit_id": visit.pk,
        "order_id": order.pk,
        "invoice_id": invoice.pk,
        "payment_id": payment.pk,
    }


IMPORT_CSV = b"Email,First name\r\nalpha-import@a.test,Alpha importee\r\n"


# Strings only org A's data contains: none may appear in org B's pages or API answers.
A_MARKERS = (
    "Alpha Hair",
    "Alpha North",
    "Alpha South",
    "alice@a.test",
    "Everywhere",
    "invitee-a@example.test",
    "manager-a@example.test",
    "Alpha job",
    "Alpha VIP",
    "Alpha secret note",
    "Deleted Dora",
    "Alpha secret reminder",
    "Alpha saved view",
    "Alpha hair type",
    "Alpha curly",
    "alpha-import.csv",
    "alpha-import@a.test",
    "Alpha importee",
    "Alpha secret service",
    "Alpha visit note",
    "ALPHA-7",
    "Alpha shampoo",
    "ALPHA-INV-1",
)


def org_state(org: Organization) -> tuple[Any, ...]:
    """Everything a request could change in one organization, to prove 'no change'."""
    with tenant_scope(org):
        return (
            Organization.objects.filter(pk=org.pk).values().first(),
            list(Location.objects.order_by("pk").values()),
            list(StaffMembership.objects.order_by("pk").values()),
            list(Invitation.objects.order_by("pk").values()),
            list(ApiKey.objects.order_by("pk").values("id", "name", "role", "revoked_at")),
            list(Job.objects.order_by("pk").values("id", "status", "cancel_requested")),
            list(Customer.objects.order_by("pk").values()),
            AuditEntry.objects.count(),
            ConsentEvent.objects.count(),
            list(Category.objects.order_by("pk").values()),
            sorted(Customer.categories.through.objects.values_list("customer_id", "category_id")),
            list(Note.objects.order_by("pk").values()),
            list(Reminder.objects.order_by("pk").values()),
            list(SavedView.objects.order_by("pk").values()),
            list(ColumnSetting.objects.order_by("pk").values()),
            list(CustomField.objects.order_by("pk").values()),
            list(CustomFieldOption.objects.order_by("pk").values()),
            list(CustomFieldValue.objects.order_by("pk").values()),
            list(
                ImportRun.objects.order_by("pk").values(
                    "id", "status", "mapping", "mode", "match_keys", "options", "review", "counts"
                )
            ),
            list(SavedMapping.objects.order_by("pk").values()),
            list(Service.objects.order_by("pk").values()),
            list(Visit.objects.order_by("pk").values()),
            sorted(Visit.services.through.objects.values_list("visit_id", "service_id")),
            list(Order.objects.order_by("pk").values()),
            list(OrderLine.objects.order_by("pk").values()),
            list(Invoice.objects.order_by("pk").values()),
            list(Payment.objects.order_by("pk").values()),
            list(ExportRun.objects.order_by("pk").values()),
        )


# ------------------------------------------------------------------ the page route table

PUBLIC = "public"  # reachable without a login, touches no organization's rows
PERSONAL = "personal"  # about the login itself (password, 2FA, session, switching)
ORG = "org"  # an organization's page without row ids
ROW = "row"  # an organization's row, by id


@dataclass(frozen=True)
class PageRoute:
    kind: str
    write: bool = False  # POST changes organization data
    reason: str = ""  # why a PUBLIC/PERSONAL route is outside the tenancy checks
    post_only: bool = False  # GET answers 405, which tells nothing about the row
    # Changes only the member's own things (their columns, their saved views), as the API
    # lets them: read-only people may, so the read-only walk leaves these out
    # (tests/lists/test_list_page.py checks what they may and may not do).
    own: bool = False


PAGES: dict[str, PageRoute] = {
    "home": PageRoute(PUBLIC, reason="redirects only"),
    "health": PageRoute(PUBLIC, reason="database ping"),
    "first-run": PageRoute(PUBLIC, reason="only while no organization exists"),
    "accounts:login": PageRoute(PUBLIC, reason="login form"),
    "accounts:logout": PageRoute(PERSONAL, reason="ends one's own session"),
    "accounts:verify": PageRoute(PERSONAL, reason="one's own second factor"),
    "accounts:2fa": PageRoute(PERSONAL, reason="one's own second factor"),
    "accounts:2fa-setup": PageRoute(PERSONAL, reason="one's own second factor"),
    "accounts:2fa-disable": PageRoute(PERSONAL, reason="one's own second factor"),
    "accounts:password-change": PageRoute(PERSONAL, reason="one's own password"),
    "accounts:password-changed": PageRoute(PERSONAL, reason="confirmation page"),
    "accounts:reset": PageRoute(PUBLIC, reason="reset by email"),
    "accounts:reset-sent": PageRoute(PUBLIC, reason="confirmation page"),
    "accounts:reset-confirm": PageRoute(PUBLIC, reason="signed one-time link"),
    "accounts:reset-done": PageRoute(PUBLIC, reason="confirmation page"),
    "accounts:invite": PageRoute(PUBLIC, reason="secret one-time token"),
    "tenancy:switch": PageRoute(PERSONAL, reason="only to one's own organizations (tested below)"),
    "tenancy:organization": PageRoute(ORG, write=True),
    "tenancy:locations": PageRoute(ORG),
    "tenancy:location-new": PageRoute(ORG, write=True),
    "tenancy:location-edit": PageRoute(ROW, write=True),
    "tenancy:location-delete": PageRoute(ROW, write=True, post_only=True),
    "staff:list": PageRoute(ORG),
    "staff:invite": PageRoute(ORG, write=True),
    "staff:edit": PageRoute(ROW, write=True),
    "staff:invitation-revoke": PageRoute(ROW, write=True, post_only=True),
    "staff:invitation-resend": PageRoute(ROW, write=True, post_only=True),
    "staff:api-keys": PageRoute(ORG, write=True),
    "staff:api-key-revoke": PageRoute(ROW, write=True, post_only=True),
    "audit:log": PageRoute(ORG),
    "jobs:list": PageRoute(ORG),
    "jobs:detail": PageRoute(ROW),
    "jobs:progress": PageRoute(ROW),
    "jobs:cancel": PageRoute(ROW, write=True, post_only=True),
    "customers:list": PageRoute(ORG),
    "customers:new": PageRoute(ORG, write=True),
    "customers:sample": PageRoute(ORG, write=True, post_only=True),
    "customers:detail": PageRoute(ROW),
    "customers:edit": PageRoute(ROW, write=True),
    "customers:delete": PageRoute(ROW, write=True, post_only=True),
    "customers:deactivate": PageRoute(ROW, write=True, post_only=True),
    "customers:reactivate": PageRoute(ROW, write=True, post_only=True),
    "customers:restore": PageRoute(ROW, write=True, post_only=True),
    "customers:deleted": PageRoute(ORG),
    "lists:bulk": PageRoute(ORG, write=True, post_only=True),
    "customers:count": PageRoute(ORG),
    "lists:columns": PageRoute(ORG, write=True, post_only=True, own=True),
    "lists:view-new": PageRoute(ORG, write=True, post_only=True, own=True),
    "lists:view-edit": PageRoute(ROW, write=True),
    "lists:view-delete": PageRoute(ROW, write=True, post_only=True),
    "customers:consent": PageRoute(ROW, write=True),
    "customers:categories": PageRoute(ROW, write=True),
    "customers:note-add": PageRoute(ROW, write=True),
    "customers:note-edit": PageRoute(ROW, write=True),
    "customers:note-delete": PageRoute(ROW, write=True, post_only=True),
    "reminders:mine": PageRoute(ORG),
    "reminders:add": PageRoute(ROW, write=True),
    "reminders:edit": PageRoute(ROW, write=True),
    "reminders:delete": PageRoute(ROW, write=True, post_only=True),
    "reminders:done": PageRoute(ROW, write=True, post_only=True),
    "reminders:undo": PageRoute(ROW, write=True, post_only=True),
    "categories:list": PageRoute(ORG),
    "categories:new": PageRoute(ORG, write=True),
    "categories:edit": PageRoute(ROW, write=True),
    "categories:delete": PageRoute(ROW, write=True, post_only=True),
    "custom_fields:list": PageRoute(ORG),
    "custom_fields:new": PageRoute(ORG, write=True),
    "custom_fields:edit": PageRoute(ROW, write=True),
    "custom_fields:delete": PageRoute(ROW, write=True, post_only=True),
    "transfer:list": PageRoute(ORG, write=True),
    "transfer:help": PageRoute(ORG),
    "transfer:sample": PageRoute(ORG),
    "transfer:detail": PageRoute(ROW, write=True),
    "transfer:status": PageRoute(ROW),
    "transfer:remap": PageRoute(ROW, write=True, post_only=True),
    "transfer:mapping-save": PageRoute(ROW, write=True, post_only=True),
    "transfer:start": PageRoute(ROW, write=True),
    "transfer:undo": PageRoute(ROW, write=True),
    "transfer:rejected": PageRoute(ROW),
    "history:overview": PageRoute(ROW),
    "history:visits": PageRoute(ROW),
    "history:orders": PageRoute(ROW),
    "history:invoices": PageRoute(ROW),
    "history:invoice": PageRoute(ROW),
    "history:visit-new": PageRoute(ROW, write=True),
    "history:visit-edit": PageRoute(ROW, write=True),
    "history:visit-delete": PageRoute(ROW, write=True),
    "history:order-new": PageRoute(ROW, write=True),
    "history:order-edit": PageRoute(ROW, write=True),
    "history:order-delete": PageRoute(ROW, write=True),
    "history:invoice-new": PageRoute(ROW, write=True),
    "history:invoice-edit": PageRoute(ROW, write=True),
    "history:invoice-delete": PageRoute(ROW, write=True),
    "history:payment-new": PageRoute(ROW, write=True),
    "history:payment-edit": PageRoute(ROW, write=True),
    "history:payment-delete": PageRoute(ROW, write=True),
    "services:list": PageRoute(ORG),
    "services:new": PageRoute(ORG, write=True),
    "services:edit": PageRoute(ROW, write=True),
    "services:delete": PageRoute(ROW, write=True),
    "exports:list": PageRoute(ORG),
    "exports:new": PageRoute(ORG, write=True),
    "exports:row": PageRoute(ROW),
    "exports:download": PageRoute(ROW),
    "data-log": PageRoute(ORG),
    "api-v1:openapi-json": PageRoute(PUBLIC, reason="the API's schema; no data"),
    "api-v1:openapi-view": PageRoute(ORG),
    "api-v1:unknown-path": PageRoute(PUBLIC, reason="JSON 404 for anything else under /api/v1/"),
    "api-v1:api-root": PageRoute(PUBLIC, reason="ninja's root; answers 404"),
}

# The ids fixture's import (Email, First name) mapped as it would be, options on.
IMPORT_MAPPING: dict[str, Any] = {
    "target_0": "email",
    "target_1": "first_name",
    "mode": "both",
    "match_keys": ["email"],
    "fresh_consent": "on",
    "blank_clears": "on",
    "create_categories": "on",
}

VISIT_FORM = {
    "starts_at": "2030-01-01T10:00",
    "status": "completed",
    "location_id": "",
    "staff_id": "",
    "amount": "10.00",
    "discount": "",
    "note": "planted",
}
ORDER_FORM = {
    "number": "",
    "ordered_at": "2030-01-01T10:00",
    "location_id": "",
    "payment_method": "",
    "amount": "10.00",
    "discount": "",
    "note": "planted",
    "line_count": "1",
}
INVOICE_FORM = {
    "number": "",
    "issued_on": "2030-01-01",
    "due_on": "2030-01-15",
    "amount": "10.00",
    "location_id": "",
    "note": "",
}
PAYMENT_FORM = {"paid_on": "2030-01-02", "amount": "1.00", "method": "cash", "note": ""}

# A valid form for each write page, so a refusal is about rights, not a bad form.
FORMS: dict[str, dict[str, Any]] = {
    "tenancy:organization": {
        "name": "Hacked",
        "time_zone": "UTC",
        "country": "US",
        "currency": "USD",
        "sender_name": "",
        "reply_to": "",
        "export_link_hours": "1",
    },
    "tenancy:location-new": {"name": "Planted", "time_zone": ""},
    "tenancy:location-edit": {"name": "Renamed", "time_zone": ""},
    "staff:invite": {"email": "planted@example.test", "role": "owner", "all_locations": "on"},
    "staff:edit": {"role": "owner", "all_locations": "on", "is_active": "on"},
    "staff:api-keys": {"name": "planted", "role": "owner"},
    "customers:new": {"first_name": "Planted", "last_name": "Row", "email": ""},
    "customers:sample": {"count": "5"},
    "customers:edit": {"first_name": "Renamed", "last_name": "Row", "email": ""},
    "customers:consent": {
        "channel": "email",
        "state": "opted_out",
        "blocked": "on",
        "detail": "planted",
    },
    "customers:categories": {"categories": []},
    "customers:note-add": {"text": "planted"},
    "lists:bulk": {
        "action": "deactivate",
        "all_matching": "1",
        "query": "status=active",
        "go": "1",
    },
    "customers:note-edit": {"text": "planted"},
    "lists:columns": {"columns": ["name", "email"], "locked": "1", "next": "/customers/"},
    "lists:view-new": {"name": "Planted view", "shared": "on", "next": "/customers/?city=X"},
    "lists:view-edit": {"name": "Renamed view", "shared": "", "next": "/customers/"},
    "reminders:add": {
        "text": "planted",
        "due_date": "2030-01-01",
        "due_time": "",
        "assigned_to_id": "",
    },
    "reminders:edit": {
        "text": "planted",
        "due_date": "2030-01-01",
        "due_time": "",
        "assigned_to_id": "",
    },
    "categories:new": {"name": "Planted", "colour": "#123456", "description": ""},
    "categories:edit": {"name": "Renamed", "colour": "#654321", "description": ""},
    "custom_fields:new": {
        "label": "Planted",
        "key": "",
        "field_type": "text",
        "help_text": "",
        "position": "",
    },
    "custom_fields:edit": {
        "label": "Renamed",
        "help_text": "",
        "position": "0",
        "options": "Alpha curly",
    },
    # The file itself cannot be a module-level value (a test client reads it once); the
    # refusals walked here come before the file is looked at.
    "transfer:list": {"sheet": ""},
    "transfer:detail": IMPORT_MAPPING,
    "transfer:mapping-save": {**IMPORT_MAPPING, "name": "Planted mapping"},
    "history:visit-new": VISIT_FORM,
    "history:visit-edit": VISIT_FORM,
    "history:order-new": ORDER_FORM,
    "history:order-edit": ORDER_FORM,
    "history:invoice-new": INVOICE_FORM,
    "history:invoice-edit": {**INVOICE_FORM, "written_off": ""},
    "history:payment-new": PAYMENT_FORM,
    "history:payment-edit": PAYMENT_FORM,
    "services:new": {"name": "Planted", "duration_minutes": "", "price": ""},
    "exports:new": {"scope": "all", "go": "1", "format": "csv", "columns": ["name", "email"]},
    "services:edit": {"name": "Planted", "duration_minutes": "", "price": "", "active": "on"},
}


def page_patterns() -> Iterator[tuple[str, str, list[str]]]:
    """(name, route, converter names) for every URL pattern, API operations excluded."""

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield (
                    (f"{namespace}:{p.name}" if namespace else str(p.name)),
                    prefix + str(p.pattern),
                )

    seen: set[str] = set()
    for name, route in walk(get_resolver().url_patterns, "", None):
        if route.startswith("api/v1/") and name not in PAGES:
            continue  # API operations are walked from the OpenAPI document below
        if name in seen:
            continue
        seen.add(name)
        yield name, route, re.findall(r"<(?:\w+:)?(\w+)>", route)


def fill(route: str, values: dict[str, Any]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def test_every_route_is_in_the_walk() -> None:
    names = {name for name, _route, _params in page_patterns()}
    missing = sorted(names - PAGES.keys())
    assert not missing, f"Add these URL names to PAGES in the tenancy walk: {missing}"
    stale = sorted(PAGES.keys() - names)
    assert not stale, f"PAGES names routes that no longer exist: {stale}"
    for name, _route, params in page_patterns():
        spec = PAGES[name]
        assert (spec.kind == ROW) == bool(params) or spec.kind in (PUBLIC, PERSONAL), name
        if spec.kind in (PUBLIC, PERSONAL):
            assert spec.reason, f"{name} needs a reason to be outside the tenancy checks"
        if spec.write and spec.kind != PUBLIC:
            assert name in FORMS or spec.kind == ROW, f"{name} needs a valid form in FORMS"


def _values(ids: Ids) -> dict[str, Any]:
    return {k: getattr(ids, k) for k in Ids.__dataclass_fields__}


def test_pages_of_another_org_answer_404_and_change_nothing(
    world: World, ids: Ids, client: Client
) -> None:
    login(client, world.owner_b)
    before = org_state(world.org_a)
    checked = 0
    for name, route, _params in page_patterns():
        spec = PAGES[name]
        if spec.kind != ROW:
            continue
        url = fill(route, _values(ids))
        for method in ("post",) if spec.post_only else ("get", "post"):
            response = getattr(client, method)(url, FORMS.get(name, {}))
            assert response.status_code == 404, (
                f"{method.upper()} {url} as org B: {response.status_code}"
            )
            checked += 1
    row_routes = [n for n, spec in PAGES.items() if spec.kind == ROW]
    assert checked == sum(1 if PAGES[n].post_only else 2 for n in row_routes)
    assert org_state(world.org_a) == before


def test_org_pages_never_show_another_orgs_rows(world: World, ids: Ids, client: Client) -> None:
    login(client, world.owner_b)
    for name, route, _params in page_patterns():
        if PAGES[name].kind != ORG or PAGES[name].post_only:
            continue
        response = client.get(fill(route, {}), follow=True)
        assert response.status_code == 200, f"{route}: {response.status_code}"
        body = response.content.decode()
        leaked = [m for m in A_MARKERS if m in body]
        assert not leaked, f"/{route} as org B shows {leaked}"


def test_location_limited_staff_get_404_outside_their_locations(
    world: World, ids: Ids, client: Client
) -> None:
    login(client, world.limited_a)
    values = {
        **_values(ids),
        "customer_id": ids.customer_outside_id,
        "location_id": world.loc_a2.pk,
    }
    checked = 0
    for name, route, params in page_patterns():
        spec = PAGES[name]
        if spec.kind != ROW or not {"customer_id", "location_id"} & set(params):
            continue
        response = (
            client.post(fill(route, values), FORMS.get(name, {}))
            if spec.post_only
            else client.get(fill(route, values))
        )
        assert response.status_code == 404, f"{route} as limited staff: {response.status_code}"
        checked += 1
    assert checked >= 5
    # ...and inside their locations the same customer pages work.
    assert client.get(f"/customers/{ids.customer_id}/").status_code == 200
    list_page = client.get("/customers/").content.decode()
    assert "Everywhere" in list_page
    assert "Southside" not in list_page


READONLY_EXEMPT = {
    "jobs:cancel": "cancelling is allowed on one's own jobs; read-only cannot start any, so "
    "the job here is someone else's and answers 404",
}


def test_readonly_is_refused_every_page_write(world: World, ids: Ids, client: Client) -> None:
    login(client, world.readonly_a)
    before = org_state(world.org_a)
    checked = 0
    for name, route, _params in page_patterns():
        spec = PAGES[name]
        if not spec.write or spec.own or spec.kind not in (ORG, ROW):
            continue
        response = client.post(fill(route, _values(ids)), FORMS.get(name, {}))
        expected = 404 if name in READONLY_EXEMPT else 403
        assert response.status_code == expected, (
            f"POST /{route} as read-only: {response.status_code}"
        )
        checked += 1
    assert checked >= 12
    assert org_state(world.org_a) == before


def test_anonymous_pages_go_to_login(world: World, ids: Ids, client: Client) -> None:
    for name, route, _params in page_patterns():
        if PAGES[name].kind not in (ORG, ROW):
            continue
        method = client.post if PAGES[name].post_only else client.get
        response = method(fill(route, _values(ids)))
        assert response.status_code == 302, route
        assert response["Location"].startswith("/accounts/login/"), route


def test_switching_to_a_foreign_organization_is_404(world: World, client: Client) -> None:
    login(client, world.owner_b)
    response = client.post("/settings/switch/", {"organization": world.org_a.pk})
    assert response.status_code == 404
    assert "Beta Barbers" in client.get("/customers/", follow=True).content.decode()


# ------------------------------------------------------------------ the API operation table


PLANTED_CUSTOMER = {"email": "planted@example.com", "last_name": "Planted"}


@dataclass(frozen=True)
class ApiOp:
    body: dict[str, Any] | None = None
    own: bool = False  # acts on the caller's own things only (not another role's write)
    # What a read-only API key gets instead of 403: saved views and columns are a person's
    # own (a read-only person may keep them); a key is nobody, so it gets a 400.
    readonly_key: int | None = None
    upload: bool = False  # multipart with a small CSV as `file` (an import's upload)


OPS: dict[tuple[str, str], ApiOp] = {
    ("get", "/api/v1/organization"): ApiOp(),
    ("patch", "/api/v1/organization"): ApiOp(body={"name": "Hacked"}),
    ("get", "/api/v1/locations"): ApiOp(),
    ("post", "/api/v1/locations"): ApiOp(body={"name": "Planted"}),
    ("get", "/api/v1/locations/{location_id}"): ApiOp(),
    ("patch", "/api/v1/locations/{location_id}"): ApiOp(body={"name": "Renamed"}),
    ("delete", "/api/v1/locations/{location_id}"): ApiOp(),
    ("get", "/api/v1/staff"): ApiOp(),
    ("get", "/api/v1/staff/{membership_id}"): ApiOp(),
    ("patch", "/api/v1/staff/{membership_id}"): ApiOp(body={"role": "owner"}),
    ("get", "/api/v1/me"): ApiOp(),
    ("get", "/api/v1/invitations"): ApiOp(),
    ("post", "/api/v1/invitations"): ApiOp(body={"email": "planted@example.test", "role": "owner"}),
    ("delete", "/api/v1/invitations/{invitation_id}"): ApiOp(),
    ("post", "/api/v1/invitations/{invitation_id}/resend"): ApiOp(),
    ("get", "/api/v1/api-keys"): ApiOp(),
    ("post", "/api/v1/api-keys"): ApiOp(body={"name": "planted", "role": "owner"}),
    ("delete", "/api/v1/api-keys/{api_key_id}"): ApiOp(),
    ("get", "/api/v1/jobs"): ApiOp(),
    ("post", "/api/v1/jobs"): ApiOp(body={"kind": "customers.sample", "params": {"count": 5}}),
    ("get", "/api/v1/jobs/{job_id}"): ApiOp(),
    ("post", "/api/v1/jobs/{job_id}/cancel"): ApiOp(own=True),
    ("get", "/api/v1/audit-entries"): ApiOp(),
    ("get", "/api/v1/customers"): ApiOp(),
    ("post", "/api/v1/customers"): ApiOp(body={"first_name": "Planted", "last_name": "Row"}),
    ("get", "/api/v1/customers/{customer_id}"): ApiOp(),
    ("patch", "/api/v1/customers/{customer_id}"): ApiOp(body={"first_name": "Renamed"}),
    ("delete", "/api/v1/customers/{customer_id}"): ApiOp(),
    ("get", "/api/v1/customers/lookup"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/deactivate"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/reactivate"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/restore"): ApiOp(),
    ("get", "/api/v1/deleted-customers"): ApiOp(),
    ("get", "/api/v1/saved-views"): ApiOp(),
    ("post", "/api/v1/saved-views"): ApiOp(body={"name": "Planted"}, readonly_key=400),
    ("get", "/api/v1/saved-views/{view_id}"): ApiOp(),
    ("patch", "/api/v1/saved-views/{view_id}"): ApiOp(body={"name": "Renamed"}),
    ("delete", "/api/v1/saved-views/{view_id}"): ApiOp(),
    ("get", "/api/v1/column-settings"): ApiOp(),
    ("put", "/api/v1/column-settings"): ApiOp(body={"columns": ["name"]}, readonly_key=400),
    ("post", "/api/v1/customers/bulk"): ApiOp(
        body={"action": "deactivate", "filter": "status=active"}
    ),
    ("get", "/api/v1/customers/{customer_id}/consent"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/consent"): ApiOp(
        body={"channel": "sms", "state": "opted_out", "detail": "planted", "blocked": True}
    ),
    ("put", "/api/v1/customers/{customer_id}/categories"): ApiOp(body={"category_ids": []}),
    ("get", "/api/v1/customers/{customer_id}/notes"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/notes"): ApiOp(body={"text": "planted"}),
    ("patch", "/api/v1/customers/{customer_id}/notes/{note_id}"): ApiOp(body={"text": "planted"}),
    ("delete", "/api/v1/customers/{customer_id}/notes/{note_id}"): ApiOp(),
    ("get", "/api/v1/customers/{customer_id}/reminders"): ApiOp(),
    ("post", "/api/v1/customers/{customer_id}/reminders"): ApiOp(
        body={"text": "planted", "due_date": "2030-01-01"}
    ),
    ("patch", "/api/v1/customers/{customer_id}/reminders/{reminder_id}"): ApiOp(
        body={"text": "planted", "done": True}
    ),
    ("delete", "/api/v1/customers/{customer_id}/reminders/{reminder_id}"): ApiOp(),
    ("get", "/api/v1/reminders"): ApiOp(),
    ("get", "/api/v1/categories"): ApiOp(),
    ("post", "/api/v1/categories"): ApiOp(body={"name": "Planted", "colour": "#123456"}),
    ("get", "/api/v1/categories/{category_id}"): ApiOp(),
    ("patch", "/api/v1/categories/{category_id}"): ApiOp(body={"name": "Renamed"}),
    ("delete", "/api/v1/categories/{category_id}"): ApiOp(),
    ("get", "/api/v1/custom-fields"): ApiOp(),
    ("post", "/api/v1/custom-fields"): ApiOp(body={"label": "Planted", "field_type": "text"}),
    ("get", "/api/v1/custom-fields/{field_id}"): ApiOp(),
    ("patch", "/api/v1/custom-fields/{field_id}"): ApiOp(body={"label": "Renamed"}),
    ("delete", "/api/v1/custom-fields/{field_id}"): ApiOp(),
    ("get", "/api/v1/imports/sample.csv"): ApiOp(),
    ("post", "/api/v1/imports"): ApiOp(upload=True),
    ("get", "/api/v1/imports"): ApiOp(),
    ("get", "/api/v1/imports/{import_id}"): ApiOp(),
    ("patch", "/api/v1/imports/{import_id}"): ApiOp(body={"mode": "add"}),
    ("post", "/api/v1/imports/{import_id}/review"): ApiOp(),
    ("post", "/api/v1/imports/{import_id}/start"): ApiOp(),
    ("post", "/api/v1/imports/{import_id}/undo"): ApiOp(),
    ("post", "/api/v1/imports/{import_id}/mapping"): ApiOp(body={"name": "Planted mapping"}),
    ("get", "/api/v1/imports/{import_id}/rows"): ApiOp(),
    ("get", "/api/v1/imports/{import_id}/rejected.csv"): ApiOp(),
    ("get", "/api/v1/services"): ApiOp(),
    ("post", "/api/v1/services"): ApiOp(body={"name": "Planted"}),
    ("get", "/api/v1/services/{service_id}"): ApiOp(),
    ("patch", "/api/v1/services/{service_id}"): ApiOp(body={"name": "Renamed"}),
    ("delete", "/api/v1/services/{service_id}"): ApiOp(),
    ("get", "/api/v1/visits"): ApiOp(),
    ("post", "/api/v1/visits"): ApiOp(
        body={"customer": PLANTED_CUSTOMER, "starts_at": "2026-01-01T10:00"}
    ),
    ("get", "/api/v1/visits/{visit_id}"): ApiOp(),
    ("patch", "/api/v1/visits/{visit_id}"): ApiOp(body={"note": "Planted"}),
    ("delete", "/api/v1/visits/{visit_id}"): ApiOp(),
    ("get", "/api/v1/orders"): ApiOp(),
    ("post", "/api/v1/orders"): ApiOp(
        body={"customer": PLANTED_CUSTOMER, "ordered_at": "2026-01-01T10:00", "amount": "1"}
    ),
    ("get", "/api/v1/orders/{order_id}"): ApiOp(),
    ("patch", "/api/v1/orders/{order_id}"): ApiOp(body={"note": "Planted"}),
    ("delete", "/api/v1/orders/{order_id}"): ApiOp(),
    ("get", "/api/v1/invoices"): ApiOp(),
    ("post", "/api/v1/invoices"): ApiOp(
        body={
            "customer": PLANTED_CUSTOMER,
            "issued_on": "2026-01-01",
            "due_on": "2026-02-01",
            "amount": "1",
        }
    ),
    ("get", "/api/v1/invoices/{invoice_id}"): ApiOp(),
    ("patch", "/api/v1/invoices/{invoice_id}"): ApiOp(body={"note": "Planted"}),
    ("delete", "/api/v1/invoices/{invoice_id}"): ApiOp(),
    ("get", "/api/v1/payments"): ApiOp(),
    # Org B names org A's invoice: a 400 on invoice_id, never a payment on it.
    ("post", "/api/v1/payments"): ApiOp(
        body={"invoice_id": 1, "paid_on": "2026-01-01", "amount": "1"}
    ),
    ("get", "/api/v1/payments/{payment_id}"): ApiOp(),
    ("patch", "/api/v1/payments/{payment_id}"): ApiOp(body={"note": "Planted"}),
    ("delete", "/api/v1/payments/{payment_id}"): ApiOp(),
    ("get", "/api/v1/exports/columns"): ApiOp(),
    ("post", "/api/v1/exports"): ApiOp(body={"scope": "list", "query": "city=Alphaville"}),
    ("get", "/api/v1/exports"): ApiOp(),
    ("get", "/api/v1/exports/{export_id}"): ApiOp(),
    ("get", "/api/v1/exports/{export_id}/download"): ApiOp(),
    ("get", "/api/v1/data-log"): ApiOp(),
}


def api_operations() -> Iterator[tuple[str, str, list[str]]]:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            yield method, path, params


def call(client: Client, method: str, url: str, body: dict[str, Any] | None, op: ApiOp) -> Any:
    if op.upload:
        return client.post(url, {"file": SimpleUploadedFile("planted.csv", IMPORT_CSV)})
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


def test_every_api_operation_is_in_the_walk() -> None:
    found = {(m, p) for m, p, _ in api_operations()}
    missing = sorted(found - OPS.keys())
    assert not missing, f"Add these API operations to OPS in the tenancy walk: {missing}"
    assert not sorted(OPS.keys() - found), "OPS names operations that no longer exist"


def test_api_of_another_org_answers_404_and_changes_nothing(
    world: World, ids: Ids, api_for: Callable[..., Client]
) -> None:
    client = api_for(world.owner_b)
    before = org_state(world.org_a)
    checked = 0
    for method, path, params in api_operations():
        op = OPS[(method, path)]
        url = path.format(**_values(ids))
        response = call(client, method, url, op.body, op)
        body = response.content.decode()
        if params:
            assert response.status_code == 404, (
                f"{method.upper()} {url} as org B: {response.status_code}"
            )
            assert response.json()["code"] == "not_found"
            checked += 1
        else:
            assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
        leaked = [m for m in A_MARKERS if m in body]
        assert not leaked, f"{method.upper()} {url} as org B shows {leaked}"
    assert checked >= 12
    assert org_state(world.org_a) == before


def test_api_location_limited_staff_get_404_outside_their_locations(
    world: World, ids: Ids, client: Client
) -> None:
    login(client, world.limited_a)
    values = {
        **_values(ids),
        "customer_id": ids.customer_outside_id,
        "location_id": world.loc_a2.pk,
    }
    checked = 0
    for method, path, params in api_operations():
        if not {"customer_id", "location_id"} & set(params):
            continue
        response = call(
            client, method, path.format(**values), OPS[(method, path)].body, OPS[(method, path)]
        )
        assert response.status_code == 404, (
            f"{method.upper()} {path} as limited: {response.status_code}"
        )
        checked += 1
    assert checked >= 6
    listed = client.get("/api/v1/customers").json()
    assert [c["last_name"] for c in listed["items"]] == ["Everywhere"]


def test_api_readonly_is_refused_every_write(
    world: World, ids: Ids, api_for: Callable[..., Client]
) -> None:
    client = api_for(world.owner_a, Role.READONLY)
    before_customers = org_state(world.org_a)[6]
    checked = 0
    for method, path, _params in api_operations():
        op = OPS[(method, path)]
        if method == "get":
            continue
        url = path.format(**_values(ids))
        response = call(client, method, url, op.body, op)
        if op.readonly_key is not None:
            assert response.status_code == op.readonly_key, (url, response.status_code)
        elif op.own:
            # A key sees no one's jobs but those it started; read-only starts none.
            assert response.status_code == 404, url
        else:
            assert response.status_code == 403, (
                f"{method.upper()} {url} as read-only: {response.status_code}"
            )
            assert response.json()["code"] == "forbidden"
        checked += 1
    assert checked >= 12
    assert org_state(world.org_a)[6] == before_customers


def test_api_anonymous_answers_401(world: World, ids: Ids, client: Client) -> None:
    for method, path, _params in api_operations():
        response = call(
            client,
            method,
            path.format(**_values(ids)),
            OPS[(method, path)].body,
            OPS[(method, path)],
        )
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"
        assert response.json()["code"] == "not_authenticated"
