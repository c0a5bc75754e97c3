"""The history API (/api/v1/services, /visits, /orders, /invoices, /payments): every
operation, events that name their customer by keys, Idempotency-Key, bad input, rights,
and the figures the customer API shows after a write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from regulars.customers.models import Customer
from regulars.history.models import (
    IdempotencyKey,
    Invoice,
    Order,
    PaymentMethod,
    Service,
    Visit,
    VisitStatus,
)
from regulars.history.schemas import MethodIn, VisitStatusIn
from regulars.tenancy.models import Role
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def _days_ago(n: int) -> str:
    return (datetime.now(tz=UTC) - timedelta(days=n)).replace(hour=12).strftime("%Y-%m-%dT%H:%M")


def _day(n_ago: int) -> str:
    return (datetime.now(tz=UTC) - timedelta(days=n_ago)).date().isoformat()


def post(client: Client, path: str, body: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        V1 + path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(V1 + path, data=json.dumps(body), content_type="application/json")


def _count(org: Any, model: Any, **filters: Any) -> int:
    with tenant_scope(org):
        return int(model.objects.filter(**filters).count())


def _customer(org: Any, pk: int) -> Customer:
    with tenant_scope(org):
        return Customer.objects.get(pk=pk)


def _field_error(response: Any, field: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body)
    assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture
def owner(world: World, api_for: Any) -> Client:
    client: Client = api_for(world.owner_a)
    return client


@pytest.fixture
def staff(world: World, client_for: Any) -> Client:
    client: Client = client_for(world.staff_a)
    return client


def test_choice_literals_match_the_models() -> None:
    assert set(VisitStatusIn.__args__) == set(VisitStatus.values)
    assert set(MethodIn.__args__) == set(PaymentMethod.values)


# --- Every operation of every resource ------------------------------------------------------


def test_services_catalogue_crud(world: World, owner: Client) -> None:
    made = post(owner, "/services", {"name": "Cut", "duration_minutes": 45, "price": "55.5"})
    assert made.status_code == 201, made.content
    service = made.json()
    assert service["price"] == "55.50" and service["active"] is True
    sid = service["id"]
    assert owner.get(f"{V1}/services/{sid}").json() == service
    listed = owner.get(f"{V1}/services").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == sid
    changed = patch(owner, f"/services/{sid}", {"price": None, "name": "Cut & dry"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["price"] is None and changed.json()["name"] == "Cut & dry"
    taken = post(owner, "/services", {"name": "cut & DRY"})
    _field_error(taken, "name")
    assert owner.delete(f"{V1}/services/{sid}").status_code == 204
    assert owner.get(f"{V1}/services/{sid}").status_code == 404


def test_a_used_service_is_retired_not_deleted(world: World, owner: Client) -> None:
    sid = post(owner, "/services", {"name": "Colour", "price": 80}).json()["id"]
    ann = make_customer(world.org_a, "Ann", "Lee")
    made = post(
        owner, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(1), "service_ids": [sid]}
    )
    assert made.json()["services"] == [{"id": sid, "name": "Colour"}]
    retired = owner.delete(f"{V1}/services/{sid}")
    assert retired.status_code == 200 and retired.json()["active"] is False
    offered = owner.get(f"{V1}/services", {"show": "offered"}).json()
    assert offered["count"] == 0


def test_staff_cannot_manage_services_but_can_list_them(
    world: World, owner: Client, staff: Client
) -> None:
    sid = post(owner, "/services", {"name": "Cut"}).json()["id"]
    assert staff.get(f"{V1}/services/{sid}").status_code == 200
    assert post(staff, "/services", {"name": "Shave"}).status_code == 403
    assert patch(staff, f"/services/{sid}", {"name": "x"}).status_code == 403
    assert staff.delete(f"{V1}/services/{sid}").status_code == 403


def test_visit_crud_and_figures(world: World, staff: Client, client_for: Any) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    made = post(
        staff,
        "/visits",
        {
            "customer_id": ann.pk,
            "starts_at": _days_ago(3),
            "amount": "40.00",
            "discount": 5,
            "location_id": world.loc_a1.pk,
            "note": "Fringe",
        },
    )
    assert made.status_code == 201, made.content
    visit = made.json()
    assert (visit["amount"], visit["discount"], visit["net"]) == ("40.00", "5.00", "35.00")
    assert visit["status"] == "completed" and visit["customer_created"] is False
    assert visit["location_id"] == world.loc_a1.pk
    vid = visit["id"]
    got = staff.get(f"{V1}/visits/{vid}")
    assert got.json() == {**visit, "customer_created": False}
    assert made["Content-Type"] == got["Content-Type"] == "application/json; charset=utf-8"
    listed = staff.get(f"{V1}/visits", {"customer_id": ann.pk}).json()
    assert [v["id"] for v in listed["items"]] == [vid]
    # The customer API shows the figures the write kept (through a session too).
    figures = client_for(world.staff_a).get(f"{V1}/customers/{ann.pk}").json()["figures"]
    assert figures["total_spent"] == "35.00" and figures["visit_count"] == 1
    assert figures["avg_ticket"] == "35.00" and figures["spent_30"] == "35.00"
    assert figures["last_visit"] == _customer(world.org_a, ann.pk).last_visit.isoformat()
    changed = patch(staff, f"/visits/{vid}", {"amount": "60", "status": "no_show"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["amount"] == "60.00" and changed.json()["status"] == "no_show"
    assert staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]["visit_count"] == 0
    assert staff.delete(f"{V1}/visits/{vid}").status_code == 204
    assert staff.get(f"{V1}/visits/{vid}").status_code == 404
    assert staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]["total_spent"] == "0.00"


def test_customer_detail_with_figures_stays_one_read(
    world: World, staff: Client, django_assert_max_num_queries: Any
) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    post(staff, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(3), "amount": "40"})
    staff.get(f"{V1}/customers/{ann.pk}")  # compiles the prepared queries
    with django_assert_max_num_queries(8) as ctx:
        body = staff.get(f"{V1}/customers/{ann.pk}").json()
    assert body["figures"]["total_spent"] == "40.00"
    assert not [q for q in ctx.captured_queries if "history_" in q["sql"]]
    customer_reads = [q for q in ctx.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    assert len(customer_reads) == 1, customer_reads


def test_order_crud_with_lines_and_refund(world: World, staff: Client, owner: Client) -> None:
    sid = post(owner, "/services", {"name": "Cut", "price": "30.00"}).json()["id"]
    ann = make_customer(world.org_a, "Ann", "Lee")
    made = post(
        staff,
        "/orders",
        {
            "customer_id": ann.pk,
            "ordered_at": _days_ago(2),
            "number": "S-1",
            "payment_method": "card",
            "lines": [
                {"service_id": sid, "quantity": 2},
                {"description": "Shampoo", "quantity": "0.5", "unit_price": "12.50"},
            ],
            "discount": "1.25",
        },
    )
    assert made.status_code == 201, made.content
    order = made.json()
    assert (order["subtotal"], order["total"]) == ("66.25", "65.00")
    assert [(li["description"], li["quantity"], li["amount"]) for li in order["lines"]] == [
        ("Cut", "2.000", "60.00"),
        ("Shampoo", "0.500", "6.25"),
    ]
    oid = order["id"]
    assert staff.get(f"{V1}/orders/{oid}").json()["lines"] == order["lines"]
    assert staff.get(f"{V1}/orders", {"customer_id": ann.pk}).json()["count"] == 1
    refund = post(
        staff,
        "/orders",
        {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": "-20", "refund_of_id": oid},
    )
    assert refund.status_code == 201, refund.content
    assert refund.json()["total"] == "-20.00" and refund.json()["refund_of_id"] == oid
    assert staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]["total_spent"] == "45.00"
    too_much = post(
        staff,
        "/orders",
        {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": "-46", "refund_of_id": oid},
    )
    _field_error(too_much, "amount")
    blocked = staff.delete(f"{V1}/orders/{oid}")
    assert blocked.status_code == 409 and blocked.json()["code"] == "has_refunds"
    changed = patch(staff, f"/orders/{oid}", {"note": "Paid by card", "number": "S-1b"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["number"] == "S-1b" and changed.json()["note"] == "Paid by card"
    dup = post(
        staff,
        "/orders",
        {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": "5", "number": "S-1b"},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "number_taken"
    assert staff.delete(f"{V1}/orders/{refund.json()['id']}").status_code == 204
    assert staff.delete(f"{V1}/orders/{oid}").status_code == 204
    assert staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]["total_spent"] == "0.00"


def test_invoice_and_payment_crud(world: World, staff: Client) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    made = post(
        staff,
        "/invoices",
        {"customer_id": ann.pk, "issued_on": _day(40), "due_on": _day(10), "amount": "100"},
    )
    assert made.status_code == 201, made.content
    invoice = made.json()
    assert invoice["status"] == "overdue" and invoice["balance"] == "100.00"
    iid = invoice["id"]
    assert staff.get(f"{V1}/invoices/{iid}").json()["status"] == "overdue"
    assert staff.get(f"{V1}/invoices", {"customer_id": ann.pk}).json()["count"] == 1
    figures = staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]
    assert figures["outstanding_balance"] == "100.00" and figures["oldest_overdue_on"] == _day(10)

    paid = post(staff, "/payments", {"invoice_id": iid, "paid_on": _day(5), "amount": "30"})
    assert paid.status_code == 201, paid.content
    payment = paid.json()
    assert payment["amount"] == "30.00" and payment["method"] == "card"
    pid = payment["id"]
    assert staff.get(f"{V1}/payments/{pid}").json() == payment
    assert staff.get(f"{V1}/payments", {"invoice_id": iid}).json()["count"] == 1
    assert staff.get(f"{V1}/payments", {"customer_id": ann.pk}).json()["count"] == 1
    inv = staff.get(f"{V1}/invoices/{iid}").json()
    assert (inv["paid_amount"], inv["balance"]) == ("30.00", "70.00")
    over = post(staff, "/payments", {"invoice_id": iid, "paid_on": _day(1), "amount": "70.01"})
    _field_error(over, "amount")
    changed = patch(staff, f"/payments/{pid}", {"amount": "100.00", "method": "cash"})
    assert changed.status_code == 200, changed.content
    assert staff.get(f"{V1}/invoices/{iid}").json()["status"] == "paid"
    blocked = staff.delete(f"{V1}/invoices/{iid}")
    assert blocked.status_code == 409 and blocked.json()["code"] == "has_payments"
    assert staff.delete(f"{V1}/payments/{pid}").status_code == 204
    assert staff.get(f"{V1}/payments/{pid}").status_code == 404
    later = patch(staff, f"/invoices/{iid}", {"due_on": _day(-10), "note": "Agreed"})
    assert later.status_code == 200 and later.json()["status"] == "open"
    off = patch(staff, f"/invoices/{iid}", {"written_off": True})
    assert off.json()["status"] == "written_off" and off.json()["written_off_on"]
    assert staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]["outstanding_balance"] == (
        "0.00"
    )
    assert staff.delete(f"{V1}/invoices/{iid}").status_code == 204
    assert staff.get(f"{V1}/invoices/{iid}").status_code == 404


def test_lists_page_newest_first(world: World, staff: Client) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    ids = [
        post(staff, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(n)}).json()["id"]
        for n in (3, 2, 1)
    ]
    first = staff.get(f"{V1}/visits", {"limit": 2}).json()
    assert first["count"] == 3 and [v["id"] for v in first["items"]] == ids[::-1][:2]
    rest = staff.get(f"{V1}/visits", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [v["id"] for v in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert staff.get(f"{V1}/visits", {"cursor": "!!"}).status_code == 400


# --- Events that name their customer by keys ------------------------------------------------


def test_an_unknown_customer_is_created_from_the_event_then_found(
    world: World, staff: Client
) -> None:
    body = {
        "customer": {"email": "zoe@example.com", "first_name": "Zoë", "last_name": "Ng"},
        "source": "online",
        "starts_at": _days_ago(1),
        "amount": "20",
    }
    first = post(staff, "/visits", body)
    assert first.status_code == 201, first.content
    assert first.json()["customer_created"] is True
    zoe = _customer(world.org_a, first.json()["customer_id"])
    assert (zoe.first_name, zoe.source, zoe.email) == ("Zoë", "online", "zoe@example.com")
    again = post(staff, "/visits", {**body, "customer": {"email": "ZOE@example.com"}})
    assert again.status_code == 201
    assert again.json()["customer_id"] == zoe.pk and again.json()["customer_created"] is False
    assert staff.get(f"{V1}/customers/{zoe.pk}").json()["figures"]["visit_count"] == 2
    # The created flag is only on that answer: GET says false.
    assert staff.get(f"{V1}/visits/{first.json()['id']}").json()["customer_created"] is False


@pytest.mark.parametrize(
    ("path", "body", "source"),
    [
        ("/orders", {"ordered_at": "2026-01-02T10:00", "amount": "12"}, "pos"),
        ("/invoices", {"issued_on": "2026-01-02", "due_on": "2026-02-01", "amount": 5}, "api"),
        ("/visits", {"starts_at": "2026-01-02T10:00"}, "appointment"),
    ],
)
def test_default_source_of_a_created_customer(
    world: World, staff: Client, path: str, body: dict[str, Any], source: str
) -> None:
    made = post(staff, path, {**body, "customer": {"phone": "+61412555777", "last_name": "Ng"}})
    assert made.status_code == 201, made.content
    created = _customer(world.org_a, made.json()["customer_id"])
    assert created.source == source and created.phone_mobile == "+61412555777"


def test_keys_matching_several_customers_are_a_409_naming_them(world: World, staff: Client) -> None:
    one = make_customer(world.org_a, "Twin", "One", phone_mobile="+61412555001")
    two = make_customer(world.org_a, "Twin", "Two", phone_home="+61412555001")
    answer = post(
        staff, "/visits", {"customer": {"phone": "+61412555001"}, "starts_at": _days_ago(1)}
    )
    assert answer.status_code == 409, answer.content
    body = answer.json()
    assert body["code"] == "ambiguous_customer"
    assert sorted(body["candidates"]) == sorted([one.pk, two.pk])
    assert _count(world.org_a, Visit) == 0


def test_an_event_without_a_customer_is_a_400(world: World, staff: Client) -> None:
    _field_error(post(staff, "/visits", {"starts_at": _days_ago(1)}), "customer")
    _field_error(
        post(staff, "/visits", {"starts_at": _days_ago(1), "customer": {"first_name": "A"}}),
        "customer",
    )
    bad_email = post(
        staff, "/visits", {"starts_at": _days_ago(1), "customer": {"email": "not-an-email"}}
    )
    assert bad_email.status_code == 400
    assert bad_email.json()["errors"][0]["field"].startswith("customer")


# --- Idempotency-Key ------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_first_result(world: World, staff: Client) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    body = {"customer_id": ann.pk, "starts_at": _days_ago(1), "amount": "25.00"}
    first = post(staff, "/visits", body, key="till-7-0001")
    again = post(staff, "/visits", body, key="till-7-0001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert _count(world.org_a, Visit) == 1
    figures = staff.get(f"{V1}/customers/{ann.pk}").json()["figures"]
    assert (figures["visit_count"], figures["total_spent"]) == (1, "25.00")
    other_body = post(staff, "/visits", {**body, "amount": "26"}, key="till-7-0001")
    assert other_body.status_code == 422, other_body.content
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert _count(world.org_a, Visit) == 1
    # Without a key, or with another key, it is recorded again.
    assert post(staff, "/visits", body).status_code == 201
    assert post(staff, "/visits", body, key="till-7-0002").status_code == 201
    assert _count(world.org_a, Visit) == 3


def test_a_retry_that_created_the_customer_creates_it_once(world: World, staff: Client) -> None:
    body = {
        "customer": {"email": "new@example.com", "last_name": "New"},
        "ordered_at": _days_ago(1),
        "amount": "9",
    }
    first = post(staff, "/orders", body, key="k1")
    again = post(staff, "/orders", body, key="k1")
    assert first.json() == again.json() and first.json()["customer_created"] is True
    assert _count(world.org_a, Customer, email="new@example.com") == 1
    assert _count(world.org_a, Order) == 1


def test_the_key_is_per_endpoint_and_per_organization(
    world: World, staff: Client, api_for: Any
) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    bob = make_customer(world.org_b, "Bob", "Bee")
    visit = post(staff, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(1)}, key="k")
    order = post(
        staff, "/orders", {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": 5}, key="k"
    )
    assert visit.status_code == order.status_code == 201
    theirs = post(
        api_for(world.owner_b), "/visits", {"customer_id": bob.pk, "starts_at": _days_ago(1)}, "k"
    )
    assert theirs.status_code == 201 and theirs.json()["customer_id"] == bob.pk
    assert _count(world.org_a, IdempotencyKey) == 2
    assert _count(world.org_b, IdempotencyKey) == 1


def test_a_failed_write_is_not_kept_for_the_key(world: World, staff: Client) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    bad = post(staff, "/visits", {"customer_id": ann.pk, "starts_at": "2026-13-01T10:00"}, "k")
    assert bad.status_code == 400
    good = post(staff, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(1)}, "k")
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "é"])
def test_a_bad_key_is_a_400(world: World, staff: Client, key: str) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    body = {"customer_id": ann.pk, "starts_at": _days_ago(1)}
    answer = staff.post(
        V1 + "/visits",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key.encode().decode("latin-1")},
    )
    _field_error(answer, "Idempotency-Key")
    assert _count(world.org_a, Visit) == 0


def test_the_idempotency_key_is_in_the_openapi_document(world: World) -> None:
    from regulars.api import api

    spec = api.get_openapi_schema()
    for path in ("/services", "/visits", "/orders", "/invoices", "/payments"):
        post_op = spec["paths"][V1 + path]["post"]
        names = [p["name"] for p in post_op.get("parameters", []) if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path
        assert {"409", "422"} <= {str(code) for code in post_op["responses"]}


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "12.345"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"amount": 12.0}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "99999999999"}, "amount"),
        ({"discount": "50", "amount": "10"}, "discount"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": 1700000000}, "starts_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"starts_at": "1800-01-01T10:00"}, "starts_at"),
        ({"status": "done"}, "status"),
        ({"service_ids": [987654321]}, "service_ids"),
        ({"service_ids": ["1"]}, "service_ids.0"),
        ({"location_id": 987654321}, "location_id"),
        ({"staff_id": 987654321}, "staff_id"),
        ({"customer_id": 987654321}, "customer_id"),
        ({"customer_id": True}, "customer_id"),
        ({"note": "a\u0000b"}, "note"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_visit_input_is_a_400_naming_the_field(
    world: World, staff: Client, body: dict[str, Any], field: str
) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    full = {"customer_id": ann.pk, "starts_at": _days_ago(1), **body}
    _field_error(post(staff, "/visits", full), field)
    assert _count(world.org_a, Visit) == 0


def test_missing_starts_at_is_a_400_naming_it(world: World, staff: Client) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    _field_error(post(staff, "/visits", {"customer_id": ann.pk, "amount": "5"}), "starts_at")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/orders", {"ordered_at": "2026-01-01T10:00"}, "lines"),
        ("/orders", {"ordered_at": "2026-01-01T10:00", "amount": 1.5}, "amount"),
        ("/orders", {"ordered_at": "2026-01-01T10:00", "lines": [{"quantity": 0}]}, "lines.0"),
        (
            "/orders",
            {"ordered_at": "2026-01-01T10:00", "lines": [{"description": "x", "quantity": 0}]},
            "lines.0.quantity",
        ),
        (
            "/orders",
            {"ordered_at": "2026-01-01T10:00", "lines": [{"description": "x", "quantity": 1.5}]},
            "lines.0.quantity",
        ),
        (
            "/orders",
            {"ordered_at": "2026-01-01T10:00", "lines": [{"service_id": 987654321}]},
            "lines.0.service_id",
        ),
        (
            "/orders",
            {"ordered_at": "2026-01-01T10:00", "amount": 5, "refund_of_id": 9876},
            "refund_of_id",
        ),
        ("/orders", {"ordered_at": "2026-01-01T10:00", "payment_method": "gold"}, "payment_method"),
        ("/invoices", {"issued_on": "2026-01-02", "due_on": "2026-01-01", "amount": 5}, "due_on"),
        ("/invoices", {"issued_on": "2026-01-02", "due_on": "2026-02-01", "amount": 0}, "amount"),
        ("/invoices", {"issued_on": "2026-01-02", "due_on": "2026-02-01"}, "amount"),
        ("/invoices", {"issued_on": 20260102, "due_on": "2026-02-01", "amount": 1}, "issued_on"),
    ],
)
def test_bad_order_and_invoice_input_is_a_400(
    world: World, staff: Client, path: str, body: dict[str, Any], field: str
) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    answer = post(staff, path, {"customer_id": ann.pk, **body})
    assert answer.status_code == 400, answer.content
    fields = [e["field"] for e in answer.json()["errors"]]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields


def test_another_organizations_rows_are_never_reached(
    world: World, staff: Client, api_for: Any
) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    bob = make_customer(world.org_b, "Bob", "Bee", email="bob@example.org")
    theirs = api_for(world.owner_b)
    their_service = post(theirs, "/services", {"name": "Theirs"}).json()["id"]
    their_visit = post(theirs, "/visits", {"customer_id": bob.pk, "starts_at": _days_ago(1)})
    their_order = post(
        theirs, "/orders", {"customer_id": bob.pk, "ordered_at": _days_ago(1), "amount": 5}
    )
    their_invoice = post(
        theirs,
        "/invoices",
        {"customer_id": bob.pk, "issued_on": _day(2), "due_on": _day(1), "amount": 5},
    ).json()["id"]
    their_payment = post(
        theirs, "/payments", {"invoice_id": their_invoice, "paid_on": _day(1), "amount": 1}
    ).json()["id"]
    ours = {"customer_id": ann.pk, "starts_at": _days_ago(1)}
    for body, field in [
        ({"customer_id": bob.pk}, "customer_id"),
        ({"location_id": world.loc_b1.pk}, "location_id"),
        ({"service_ids": [their_service]}, "service_ids"),
        ({"staff_id": world.owner_b.user.pk}, "staff_id"),
    ]:
        answer = post(staff, "/visits", {**ours, **body})
        body_text = answer.content.decode()
        _field_error(answer, field)
        assert "Bob" not in body_text and "Theirs" not in body_text
    # Keys of the other organization's customer create a customer here, not a match there.
    made = post(
        staff,
        "/visits",
        {"customer": {"email": "bob@example.org", "first_name": "Bob"}, "starts_at": _days_ago(1)},
    )
    assert made.status_code == 201, made.content
    assert made.json()["customer_created"] is True
    _field_error(
        post(staff, "/payments", {"invoice_id": their_invoice, "paid_on": _day(1), "amount": 1}),
        "invoice_id",
    )
    refund = post(
        staff,
        "/orders",
        {
            **ours,
            "ordered_at": _days_ago(1),
            "amount": -1,
            "refund_of_id": their_order.json()["id"],
        },
    )
    _field_error(refund, "refund_of_id")
    for path in (
        f"/services/{their_service}",
        f"/visits/{their_visit.json()['id']}",
        f"/orders/{their_order.json()['id']}",
        f"/invoices/{their_invoice}",
        f"/payments/{their_payment}",
    ):
        assert staff.get(V1 + path).status_code == 404, path
        assert patch(staff, path, {"note": "x"}).status_code == 404, path
        assert staff.delete(V1 + path).status_code == 404, path
    for path in ("/visits", "/orders", "/invoices", "/payments"):
        assert staff.get(V1 + path, {"customer_id": bob.pk}).status_code == 404, path
    assert staff.get(f"{V1}/payments", {"invoice_id": their_invoice}).status_code == 404
    assert _count(world.org_b, Visit) == 1 and _count(world.org_b, Invoice) == 1


def test_readonly_cannot_write(world: World, staff: Client, api_for: Any, client_for: Any) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    visit = post(staff, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(1)}).json()
    invoice = post(
        staff,
        "/invoices",
        {"customer_id": ann.pk, "issued_on": _day(2), "due_on": _day(1), "amount": 5},
    ).json()
    order = post(
        staff, "/orders", {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": 5}
    ).json()
    payment = post(
        staff, "/payments", {"invoice_id": invoice["id"], "paid_on": _day(1), "amount": 1}
    ).json()
    for client in (client_for(world.readonly_a), api_for(world.owner_a, Role.READONLY)):
        assert client.get(f"{V1}/visits/{visit['id']}").status_code == 200
        assert client.get(f"{V1}/payments").status_code == 200
        writes = [
            post(client, "/services", {"name": "x"}),
            post(client, "/visits", {"customer_id": ann.pk, "starts_at": _days_ago(1)}),
            post(
                client, "/orders", {"customer_id": ann.pk, "ordered_at": _days_ago(1), "amount": 1}
            ),
            post(
                client,
                "/invoices",
                {"customer_id": ann.pk, "issued_on": _day(1), "due_on": _day(1), "amount": 1},
            ),
            post(
                client, "/payments", {"invoice_id": invoice["id"], "paid_on": _day(1), "amount": 1}
            ),
            patch(client, f"/visits/{visit['id']}", {"note": "x"}),
            patch(client, f"/orders/{order['id']}", {"note": "x"}),
            patch(client, f"/invoices/{invoice['id']}", {"note": "x"}),
            patch(client, f"/payments/{payment['id']}", {"note": "x"}),
            client.delete(f"{V1}/visits/{visit['id']}"),
            client.delete(f"{V1}/orders/{order['id']}"),
            client.delete(f"{V1}/payments/{payment['id']}"),
            client.delete(f"{V1}/invoices/{invoice['id']}"),
        ]
        assert [w.status_code for w in writes] == [403] * len(writes)
        assert {w.json()["code"] for w in writes} == {"forbidden"}
    assert _count(world.org_a, Visit) == 1 and _count(world.org_a, Service) == 0


def test_a_limited_member_sees_only_their_locations_customers(
    world: World, staff: Client, client_for: Any
) -> None:
    south = make_customer(world.org_a, "Sam", "South", locations=[world.loc_a2])
    visit = post(staff, "/visits", {"customer_id": south.pk, "starts_at": _days_ago(1)}).json()
    limited = client_for(world.limited_a)
    assert limited.get(f"{V1}/visits/{visit['id']}").status_code == 404
    assert limited.get(f"{V1}/visits").json()["count"] == 0
    _field_error(
        post(limited, "/visits", {"customer_id": south.pk, "starts_at": _days_ago(1)}),
        "customer_id",
    )
