"""The REST API fuzzed with schemathesis, in-process, on the suite's database (SQLite or PG).

Every operation of /api/v1/openapi.json is called with generated valid and invalid input
(examples, coverage and fuzzing phases) through Django's WSGI handler, and each answer must
not be a server error, must match the documented status codes, content types and response
schemas, and every 4xx must carry the one error body. Hand-written cases below cover what a
schema-driven generator does not send: undeclared methods and paths, NUL and surrogates,
huge ids, cursor garbage, hostile bodies, anonymous calls, other organizations' rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from regulars.accounts.invitations import invitation_create
from regulars.accounts.models import ApiKey
from regulars.api import api
from regulars.core.schemas import MAX_ID
from regulars.customers.categories import category_create
from regulars.customers.custom_fields import custom_field_create
from regulars.customers.notes import note_add
from regulars.customers.reminders import reminder_add
from regulars.history.catalogue import service_create
from regulars.history.invoices import invoice_record, payment_record
from regulars.history.orders import order_record
from regulars.history.visits import visit_record
from regulars.jobs.services import job_start
from regulars.lists.list_state import saved_view_create
from regulars.tenancy.models import Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import (
    make_api_key,
    make_customer,
    make_location,
    make_member,
    make_org,
    owner_member,
)

OPENAPI = api.get_openapi_schema()
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # A schema-valid value can still break a domain rule (an opaque cursor, an email
            # address, a time zone, "a first or last name"): that is a documented 400.
            "positive_data_acceptance": {"enabled": False},
        },
        # Same cases on every run and no .hypothesis/ folder: CI failures reproduce.
        "generation": {"deterministic": True, "database": "none"},
    }
)
# The document /api/v1/openapi.json serves (a test below checks they are equal); it is read
# from the API object because the served one is for logged-in staff only. A JSON round trip
# gives schemathesis its own copy.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(OPENAPI)), config=CONFIG)
schema.app = WSGIHandler()

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def assert_error_body(status: int, body: Any) -> None:
    assert isinstance(body, dict), f"{status}: body is not an object: {body!r}"
    assert {"detail", "code", "errors"} <= set(body), f"{status}: {body}"
    # The documented extras: a version conflict says which version is current, an event's
    # ambiguous customer keys name the candidates.
    extras = set(body) - {"detail", "code", "errors"}
    assert extras <= {"current_version", "candidates"}, f"{status}: {body}"
    if "current_version" in body:
        assert body["code"] == "version_conflict" and isinstance(body["current_version"], int)
    if "candidates" in body:
        assert body["code"] == "ambiguous_customer" and isinstance(body["candidates"], list)
    assert isinstance(body["detail"], str) and body["detail"], f"{status}: {body}"
    assert isinstance(body["code"], str) and body["code"], f"{status}: {body}"
    assert isinstance(body["errors"], list), f"{status}: {body}"
    for error in body["errors"]:
        assert isinstance(error, dict) and set(error) == {"field", "message"}, f"{status}: {body}"
        assert isinstance(error["field"], str) and isinstance(error["message"], str), body


def error_body_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every API 4xx, documented or not (405 included), is JSON with the one error body."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered with {content_type!r}"
    )
    assert_error_body(response.status_code, response.json())
    return True


# --- Fuzzing every operation ----------------------------------------------------------------


@pytest.fixture
def wsgi_db(db: None) -> Iterator[None]:
    """As Django's test client does: requests must not close the test's open transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class Target:
    headers: dict[str, str]
    # Existing rows per path parameter, this organization's first and another's last.
    ids: dict[str, list[int]]


@pytest.fixture(params=[Role.OWNER, Role.READONLY])
def target(request: pytest.FixtureRequest, wsgi_db: None) -> Target:
    """An organization with a row of each kind, and one more organization beside it."""
    org, owner_user = make_org("Fuzz Salon")
    owner = owner_member(org, owner_user)
    north = make_location(org, "Fuzz North")
    south = make_location(org, "Fuzz South")
    ada = make_customer(org, "Ada", "Lovelace", email="ada@fuzz.test")
    sam = make_customer(org, "Sam", "South", locations=[south])
    staff = make_member(org, Role.STAFF, email="staff@fuzz.test", locations=[north])
    with tenant_scope(org):
        invitation = invitation_create(
            org=org, actor=owner.actor, email="new@fuzz.test", role=Role.STAFF
        )
        job = job_start(org=org, actor=owner.actor, kind="customers.sample", enqueue=False)
        vip = category_create(org=org, actor=owner.actor, data={"name": "VIP"})
        regular = category_create(org=org, actor=owner.actor, data={"name": "Regular"})
        note = note_add(org=org, actor=owner.actor, customer_id=ada.pk, text="Fuzz note")
        reminder = reminder_add(
            org=org,
            actor=owner.actor,
            customer_id=ada.pk,
            data={"text": "Fuzz reminder", "due_date": "2030-01-01"},
        )
        hair = custom_field_create(
            org=org,
            actor=owner.actor,
            data={"label": "Hair", "field_type": "multi", "options": ["Curly", "Wavy"]},
        )
        size = custom_field_create(
            org=org, actor=owner.actor, data={"label": "Size", "field_type": "number"}
        )
        history = _history_rows(org, owner, ada.pk)
    other, other_user = make_org("Other Salon")
    other_owner = owner_member(other, other_user)
    elsewhere = make_location(other, "Other Central")
    olga = make_customer(other, "Olga", "Other")
    make_api_key(other_owner)
    key = make_api_key(owner, request.param)
    with tenant_scope(other):
        other_job = job_start(
            org=other, actor=other_owner.actor, kind="customers.sample", enqueue=False
        )
        other_category = category_create(org=other, actor=other_owner.actor, data={"name": "VIP"})
        other_note = note_add(org=other, actor=other_owner.actor, customer_id=olga.pk, text="x")
        other_reminder = reminder_add(
            org=other,
            actor=other_owner.actor,
            customer_id=olga.pk,
            data={"text": "x", "due_date": "2030-01-01"},
        )
        other_field = custom_field_create(
            org=other, actor=other_owner.actor, data={"label": "Hair", "field_type": "text"}
        )
        other_view = saved_view_create(
            org=other, actor=other_owner.actor, data={"name": "Theirs", "shared": True}
        )
        other_history = _history_rows(other, other_owner, olga.pk)
    key_rows = list(ApiKey.unscoped.order_by("organization_id", "pk").values_list("pk", flat=True))
    return Target(
        headers={"Authorization": f"Bearer {key}"},
        ids={
            "location_id": [north.pk, south.pk, elsewhere.pk],
            "customer_id": [ada.pk, sam.pk, olga.pk],
            "membership_id": [
                owner.membership.pk,
                staff.membership.pk,
                other_owner.membership.pk,
            ],
            "invitation_id": [invitation.pk],
            "api_key_id": key_rows,
            "job_id": [job.pk, other_job.pk],
            "category_id": [vip.pk, regular.pk, other_category.pk],
            "note_id": [note.pk, other_note.pk],
            "reminder_id": [reminder.pk, other_reminder.pk],
            "field_id": [hair.pk, size.pk, other_field.pk],
            "view_id": [other_view.pk],
            **{name: [history[name], other_history[name]] for name in history},
        },
    )


def _history_rows(org: Any, owner: Any, customer_id: int) -> dict[str, int]:
    """A service, visit, order, invoice and payment of the customer (inside the org's scope)."""
    actor = owner.actor
    service = service_create(org=org, actor=actor, data={"name": "Cut", "price": "30"})
    when = "2026-01-05T10:00"
    visit, _ = visit_record(
        org=org,
        actor=actor,
        data={"customer_id": customer_id, "starts_at": when, "service_ids": [service.pk]},
    )
    order, _ = order_record(
        org=org,
        actor=actor,
        data={
            "customer_id": customer_id,
            "ordered_at": when,
            "lines": [{"service_id": service.pk}],
        },
    )
    invoice, _ = invoice_record(
        org=org,
        actor=actor,
        data={
            "customer_id": customer_id,
            "issued_on": "2026-01-05",
            "due_on": "2026-02-05",
            "amount": "100",
        },
    )
    payment = payment_record(
        org=org,
        actor=actor,
        data={"invoice_id": invoice.pk, "paid_on": "2026-01-06", "amount": "10"},
    )
    return {
        "service_id": service.pk,
        "visit_id": visit.pk,
        "order_id": order.pk,
        "invoice_id": invoice.pk,
        "payment_id": payment.pk,
    }


def point_at_rows(case: Any, ids: dict[str, list[int]]) -> None:
    """Generated small ids are mapped onto existing rows, so updates and deletes happen.

    Sequences are not reset between tests (PostgreSQL), so raw small ids rarely exist; large
    ids and invalid values go through unchanged and keep exercising the 400 and 404 paths.
    """
    for name, value in (case.path_parameters or {}).items():
        rows = ids.get(name)
        if rows and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
            case.path_parameters[name] = rows[value % len(rows)]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # `target` is built once per operation and role; the savepoint below resets it per example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_fuzz(case: Any, target: Target) -> None:
    """Examples, coverage (boundaries, undeclared methods, missing auth) and fuzzing phases."""
    point_at_rows(case, target.ids)
    # Each example runs in a savepoint that is rolled back: every example sees the same rows
    # (a revoked key or a deleted location does not leak into the next one), and a database
    # error inside a request shows up as that request's 500 instead of poisoning the test.
    with transaction.atomic():
        try:
            case.call_and_validate(headers=target.headers, additional_checks=[error_body_shape])
        finally:
            transaction.set_rollback(True)


# --- What a schema-driven generator does not send -------------------------------------------


def _operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in OPENAPI["paths"].items()
        for method in item
        if method.upper() in HTTP_METHODS
    ]


def _url(path: str, row_id: int = 1) -> str:
    """The path with every id parameter filled in."""
    for name in (
        "location_id",
        "membership_id",
        "invitation_id",
        "api_key_id",
        "job_id",
        "customer_id",
        "category_id",
        "note_id",
        "reminder_id",
        "field_id",
        "view_id",
        "import_id",
        "export_id",
        "service_id",
        "visit_id",
        "order_id",
        "invoice_id",
        "payment_id",
    ):
        path = path.replace("{" + name + "}", str(row_id))
    assert "{" not in path, path
    return path


def _call(client: Client, method: str, url: str, body: bytes | str | None = None) -> Any:
    return client.generic(method, url, data=body or b"", content_type="application/json")


def _assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert_error_body(response.status_code, body)
    if code is not None:
        assert body["code"] == code, body
    return body


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def owner_api(world: World, api_for: Any) -> Client:
    client: Client = api_for(world.owner_a)
    return client


def test_spec_served_at_openapi_json_is_the_fuzzed_one(world: World, client_for: Any) -> None:
    response = Client().get("/api/v1/openapi.json")  # public: the schema holds no data
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(OPENAPI))


@pytest.mark.parametrize(("method", "path"), _operations())
def test_anonymous_call_is_401(db: None, method: str, path: str) -> None:
    _assert_error(_call(Client(), method, _url(path), "{}"), 401, "not_authenticated")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer rg_",
        "Bearer rg_000000000000_",
        "Bearer rg_" + "é" * 12 + "_x",
        "Bearer rg_" + "0" * 12 + "_" + "x" * 300,
        "Basic dXNlcjpwYXNz",
        "Bearer rg_" + "\x00" * 12 + "_x",
    ],
)
def test_garbage_credentials_are_401(db: None, authorization: str) -> None:
    client = Client(headers={"Authorization": authorization})
    _assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_undeclared_method_is_405_with_error_body(owner_api: Client) -> None:
    declared: dict[str, set[str]] = {}
    for method, path in _operations():
        declared.setdefault(path, set()).add(method)
    for path, methods in declared.items():
        for method in set(HTTP_METHODS) - methods:
            for client in (owner_api, Client()):
                response = _call(client, method, _url(path), "{}")
                _assert_error(response, 405, "method_not_allowed")
                assert set(response["Allow"].split(", ")) == methods, (path, response["Allow"])


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/v1/"),
        ("GET", "/api/v1/nope"),
        ("POST", "/api/v1/nope"),
        ("GET", "/api/v1/customers/1/extra"),
        ("GET", "/api/v1/me/"),
        ("DELETE", "/api/v1/customers/1/"),
    ],
)
def test_unknown_path_is_json_404(owner_api: Client, method: str, url: str) -> None:
    _assert_error(_call(owner_api, method, url), 404, "not_found")
    _assert_error(_call(Client(), method, url), 404, "not_found")


HUGE = "9" * 5000  # past Python's int-from-string digit limit


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers?q=%00",
        "/api/v1/customers?q=a%00b",
        "/api/v1/customers?cursor=%00",
        "/api/v1/locations?limit=%00",
        "/api/v1/locations?limit=0",
        "/api/v1/locations?limit=501",
        "/api/v1/locations?limit=-1",
        "/api/v1/locations?limit=1.5",
        f"/api/v1/locations?limit={HUGE}",
        "/api/v1/customers?q=" + "x" * 201,
        f"/api/v1/customers/{MAX_ID + 1}",
        "/api/v1/customers/99999999999999999999999999",
        f"/api/v1/customers/{HUGE}",
        "/api/v1/customers/0",
        "/api/v1/customers/-1",
        "/api/v1/customers/abc",
        "/api/v1/customers/%00",
        "/api/v1/customers/1e3",
        f"/api/v1/staff/{MAX_ID + 1}",
        f"/api/v1/jobs/{HUGE}",
    ],
)
def test_bad_query_and_path_values_are_400(owner_api: Client, url: str) -> None:
    _assert_error(owner_api.get(url), 400, "invalid")


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/customers/{MAX_ID}",
        f"/api/v1/locations/{MAX_ID}",
        f"/api/v1/staff/{MAX_ID}",
        f"/api/v1/jobs/{MAX_ID}",
    ],
)
def test_largest_id_is_404(owner_api: Client, url: str) -> None:
    _assert_error(owner_api.get(url), 404, "not_found")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "%ZZ",
        "a",
        "=" * 10,
        "eyJ",
        _b64(b"\xff\xfe\xfd"),
        _b64(b"[]"),
        _b64(b"null"),
        _b64(b'"after"'),
        _b64(b"{}"),
        _b64(b'{"after": "1"}'),
        _b64(b'{"after": true}'),
        _b64(b'{"after": 1.5}'),
        _b64(b'{"after": 1e400}'),
        _b64(b'{"after": NaN}'),
        _b64(b'{"after": -1}'),
        _b64(f'{{"after": {MAX_ID + 1}}}'.encode()),
        _b64(b'{"after": ' + b"9" * 5000 + b"}"),
        _b64(b'{"after": [1]}'),
        _b64(b'{"after": 1'),
        "x" * 201,
    ],
)
def test_cursor_garbage_is_400(owner_api: Client, cursor: str) -> None:
    for path in ("/api/v1/customers", "/api/v1/locations", "/api/v1/audit-entries"):
        response = owner_api.get(path, {"cursor": cursor})
        _assert_error(response, 400, "invalid")


def test_a_real_cursor_pages_through(owner_api: Client, customers_a: dict[str, Any]) -> None:
    first = owner_api.get("/api/v1/customers", {"limit": 1}).json()
    assert first["count"] == 2 and first["next_cursor"]
    second = owner_api.get("/api/v1/customers", {"limit": 1, "cursor": first["next_cursor"]})
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] != first["items"][0]["id"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b"[null, null]",
        b"5",
        b'"x"',
        b"true",
        b"{",
        b"\xff\xfe",
        b'{"first_name": "\xff"}',
        b'{"first_name": "\\ud800"}',
        b'{"first_name": "\\udfff\\ud800"}',
        b'{"first_name": "a\\u0000b"}',
        b'{"first_name": 5}',
        b'{"first_name": ["a"]}',
        b'{"first_name": {"a": 1}}',
        b'{"first_name": "' + b"x" * 101 + b'"}',
        b'{"first_name": 1e999}',
        b'{"email": "' + b"a" * 255 + b'"}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ],
)
def test_hostile_customer_body_is_400(owner_api: Client, body: bytes) -> None:
    _assert_error(_call(owner_api, "POST", "/api/v1/customers", body), 400)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/v1/organization", b'{"name": "\\ud800"}'),
        ("PATCH", "/api/v1/organization", b'{"time_zone": "Europe/Nowhere"}'),
        ("PATCH", "/api/v1/organization", b'{"time_zone": "../../etc/passwd"}'),
        ("PATCH", "/api/v1/organization", b'{"currency": "\\u00df\\u00df\\u00df"}'),
        ("PATCH", "/api/v1/organization", b'{"country": "ABC"}'),
        ("POST", "/api/v1/locations", b'{"name": ""}'),
        ("POST", "/api/v1/locations", b'{"name": "x", "time_zone": "\\u0000"}'),
        ("POST", "/api/v1/invitations", b'{"email": "not an email"}'),
        ("POST", "/api/v1/invitations", b'{"email": "a@b.test", "location_ids": [0]}'),
        ("POST", "/api/v1/invitations", b'{"email": "a@b.test", "location_ids": [true]}'),
        ("POST", "/api/v1/invitations", b'{"email": "a@b.test", "location_ids": ["1"]}'),
        ("POST", "/api/v1/invitations", b'{"email": "a@b.test", "all_locations": 0}'),
        (
            "POST",
            "/api/v1/invitations",
            b'{"email": "a@b.test", "location_ids": [9007199254740991]}',
        ),
        (
            "POST",
            "/api/v1/invitations",
            b'{"email": "a@b.test", "location_ids": [' + b",".join([b"1"] * 501) + b"]}",
        ),
        ("POST", "/api/v1/invitations", b'{"email": "a@b.test", "role": "god"}'),
        ("POST", "/api/v1/api-keys", b'{"name": "   "}'),
        ("POST", "/api/v1/api-keys", b'{"name": "k", "role": "OWNER"}'),
        ("POST", "/api/v1/jobs", b'{"kind": "customers.sample", "params": []}'),
        ("POST", "/api/v1/jobs", b'{"kind": "customers.sample", "params": {"count": "5"}}'),
        ("POST", "/api/v1/jobs", b'{"kind": "customers.sample", "params": {"count": 1e2}}'),
        ("POST", "/api/v1/jobs", b'{"kind": "customers.sample", "params": {"count": 100001}}'),
        ("POST", "/api/v1/jobs", b'{"kind": "nope"}'),
        ("PATCH", "/api/v1/staff/{membership_id}", b'{"is_active": "no"}'),
        ("PATCH", "/api/v1/staff/{membership_id}", b'{"role": "readonly"}'),
        ("PATCH", "/api/v1/staff/{membership_id}", b'{"is_active": false}'),
    ],
)
def test_hostile_bodies_are_400(
    world: World, owner_api: Client, method: str, path: str, body: bytes
) -> None:
    url = path.replace("{membership_id}", str(world.owner_a.membership.pk))
    _assert_error(_call(owner_api, method, url, body), 400)


# Operations whose body has required fields: "{}" would be refused (400) before the lookup.
REQUIRED_BODIES = {
    (
        "POST",
        "/api/v1/customers/{customer_id}/consent",
    ): '{"channel": "email", "state": "opted_out"}',
    ("PUT", "/api/v1/customers/{customer_id}/categories"): '{"category_ids": []}',
    ("POST", "/api/v1/customers/{customer_id}/notes"): '{"text": "x"}',
    (
        "POST",
        "/api/v1/customers/{customer_id}/reminders",
    ): '{"text": "x", "due_date": "2030-01-01"}',
}


def test_other_organizations_rows_are_404(
    world: World, owner_api: Client, customers_a: dict[str, Any]
) -> None:
    olga = make_customer(world.org_b, "Olga", "Other")
    with tenant_scope(world.org_b):
        job = job_start(
            org=world.org_b, actor=world.owner_b.actor, kind="customers.sample", enqueue=False
        )
        invitation = invitation_create(
            org=world.org_b, actor=world.owner_b.actor, email="b-new@example.test", role=Role.STAFF
        )
        category = category_create(
            org=world.org_b, actor=world.owner_b.actor, data={"name": "Beta VIP"}
        )
        note = note_add(org=world.org_b, actor=world.owner_b.actor, customer_id=olga.pk, text="x")
        reminder = reminder_add(
            org=world.org_b,
            actor=world.owner_b.actor,
            customer_id=olga.pk,
            data={"text": "x", "due_date": "2030-01-01"},
        )
        field = custom_field_create(
            org=world.org_b, actor=world.owner_b.actor, data={"label": "Beta", "field_type": "text"}
        )
        view = saved_view_create(
            org=world.org_b, actor=world.owner_b.actor, data={"name": "Beta view", "shared": True}
        )
        history = _history_rows(world.org_b, world.owner_b, olga.pk)
    make_api_key(world.owner_b)
    other_key = ApiKey.unscoped.filter(organization=world.org_b).first()
    assert other_key is not None
    rows = {
        "customer_id": olga.pk,
        "location_id": world.loc_b1.pk,
        "membership_id": world.owner_b.membership.pk,
        "job_id": job.pk,
        "invitation_id": invitation.pk,
        "api_key_id": other_key.pk,
        "category_id": category.pk,
        "note_id": note.pk,
        "reminder_id": reminder.pk,
        "field_id": field.pk,
        "view_id": view.pk,
        **history,
    }
    for method, path in _operations():
        names = [n for n in rows if "{" + n + "}" in path]
        if not names:
            continue
        url = path
        for name in names:
            url = url.replace("{" + name + "}", str(rows[name]))
        body = REQUIRED_BODIES.get((method, path), "{}")
        _assert_error(_call(owner_api, method, url, body), 404, "not_found")
    # and nothing of the other organization changed
    with tenant_scope(world.org_b):
        assert StaffMembership.objects.get(pk=world.owner_b.membership.pk).is_active


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", b'{"name": "mine"}'),
        ("GET", "/api/v1/invitations", None),
        ("POST", "/api/v1/invitations", b'{"email": "x@example.test"}'),
        ("GET", "/api/v1/audit-entries", None),
        ("PATCH", "/api/v1/organization", b'{"name": "Mine"}'),
        ("POST", "/api/v1/locations", b'{"name": "Mine"}'),
        ("POST", "/api/v1/customers", b'{"first_name": "Mine"}'),
        ("POST", "/api/v1/jobs", b'{"kind": "customers.sample"}'),
    ],
)
def test_missing_capability_is_403(world: World, method: str, url: str, body: bytes | None) -> None:
    # A read-only key of the organization (an owner creates it; make_api_key acts as the member).
    key = make_api_key(world.owner_a, Role.READONLY)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    _assert_error(_call(client, method, url, body), 403, "forbidden")
