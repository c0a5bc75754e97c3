"""Rules at the edges of recording history: whose idempotency key, which locations a
limited member may use, edits that must not be lost or dropped, future visits, and a
location that history still names."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from regulars.history.figures import org_today
from regulars.history.invoices import invoice_record, invoice_update, payment_record
from regulars.history.models import Invoice, Visit
from regulars.history.visits import visit_record
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_an_idempotency_key_is_the_callers_own(
    world: World, customers_a: dict[str, Any], client_for: Any
) -> None:
    body = {
        "customer_id": customers_a["south_only"].pk,
        "starts_at": "2026-01-05T10:00",
        "amount": "20.00",
    }
    owner = client_for(world.owner_a)
    first = owner.post(
        "/api/v1/visits", json.dumps(body), content_type=JSON, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201, first.content
    # A member limited to the other location sends the same key and body: their own write is
    # checked (the customer is not theirs), not the owner's stored answer replayed.
    limited = client_for(world.limited_a)
    again = limited.post(
        "/api/v1/visits", json.dumps(body), content_type=JSON, headers={"Idempotency-Key": "k1"}
    )
    assert again.status_code == 400
    assert str(first.json()["id"]) not in again.content.decode()
    with tenant_scope(world.org_a):
        assert Visit.objects.count() == 1


def test_a_limited_member_records_only_at_their_locations(
    world: World, customers_a: dict[str, Any], api_for: Any, client_for: Any
) -> None:
    limited = client_for(world.limited_a)
    body = {"customer_id": customers_a["everywhere"].pk, "starts_at": "2026-01-05T10:00"}
    other = limited.post(
        "/api/v1/visits", json.dumps({**body, "location_id": world.loc_a2.pk}), content_type=JSON
    )
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "location_id"
    own = limited.post(
        "/api/v1/visits", json.dumps({**body, "location_id": world.loc_a1.pk}), content_type=JSON
    )
    assert own.status_code == 201, own.content


def test_future_visits_are_bookings_and_cannot_be_completed(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    later = (org_today(world.org_a) + timedelta(days=7)).isoformat() + "T10:00"
    with tenant_scope(world.org_a):
        visit, _ = visit_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"customer_id": ann.pk, "starts_at": later, "amount": "40"},
        )
        assert visit.status == "booked"
        from regulars.core.errors import DomainError

        with pytest.raises(DomainError) as refused:
            visit_record(
                org=world.org_a,
                actor=world.staff_a.actor,
                data={"customer_id": ann.pk, "starts_at": later, "status": "completed"},
            )
        assert refused.value.errors[0].field == "status"
        ann.refresh_from_db()
    assert (ann.visit_count, ann.last_visit) == (0, None)


def test_invoice_note_and_location_edits_are_saved(world: World) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    today = org_today(world.org_a)
    with tenant_scope(world.org_a):
        invoice, _ = invoice_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"customer_id": ann.pk, "issued_on": today, "due_on": today, "amount": "10"},
        )
        invoice_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            invoice_id=invoice.pk,
            data={"note": "Pays by transfer", "location_id": world.loc_a1.pk},
        )
        saved = Invoice.objects.get(pk=invoice.pk)
    assert (saved.note, saved.location_id) == ("Pays by transfer", world.loc_a1.pk)


def test_payments_of_a_written_off_invoice_cannot_change(world: World, api_for: Any) -> None:
    ann = make_customer(world.org_a, "Ann", "Lee")
    today = org_today(world.org_a)
    with tenant_scope(world.org_a):
        invoice, _ = invoice_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"customer_id": ann.pk, "issued_on": today, "due_on": today, "amount": "10"},
        )
        payment = payment_record(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"invoice_id": invoice.pk, "paid_on": today, "amount": "4"},
        )
        invoice_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            invoice_id=invoice.pk,
            data={"written_off": True},
        )
    answer = api_for(world.owner_a).patch(
        f"/api/v1/payments/{payment.pk}", {"amount": "10"}, content_type=JSON
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "invoice_id"


def test_a_location_with_history_is_not_deleted(
    world: World, customers_a: dict[str, Any], api_for: Any, client_for: Any
) -> None:
    with tenant_scope(world.org_a):
        visit_record(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={
                "customer_id": customers_a["everywhere"].pk,
                "starts_at": "2026-01-05T10:00",
                "location_id": world.loc_a1.pk,
            },
        )
    answer = api_for(world.owner_a).delete(f"/api/v1/locations/{world.loc_a1.pk}")
    assert answer.status_code == 409
    assert answer.json()["code"] == "location_in_use"
    page = client_for(world.owner_a).post(
        f"/settings/locations/{world.loc_a1.pk}/delete/", follow=True
    )
    assert page.status_code == 200
    assert "cannot be deleted" in page.content.decode()


def test_odd_digits_in_order_page_parameters_are_not_a_500(
    world: World, customers_a: dict[str, Any], client_for: Any
) -> None:
    owner = client_for(world.owner_a)
    pk = customers_a["everywhere"].pk
    assert owner.get(f"/customers/{pk}/orders/new/?refund_of=²").status_code == 404
    posted = owner.post(
        f"/customers/{pk}/orders/new/",
        {"ordered_at": "2026-01-05T10:00", "amount": "5", "line_count": "²"},
    )
    assert posted.status_code in (200, 302)
