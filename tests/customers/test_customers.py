"""The customer record through its services, pages and API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.audit.models import AuditEntry
from regulars.core.errors import Conflict, DomainError
from regulars.customers import services
from regulars.customers.matching import Outcome, customer_find_by_keys
from regulars.customers.models import Customer, CustomerStatus
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _create(world: World, **data: Any) -> Customer:
    with tenant_scope(world.org_a):
        return services.customer_create(org=world.org_a, actor=world.owner_a.actor, data=data)


def _errors(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


# ------------------------------------------------------------------ the record


def test_full_record_is_stored_normalised(world: World) -> None:
    customer = _create(
        world,
        first_name="  Zoë ",
        last_name="Łukasz-Müller",
        company="Bloom & Co",
        email="Zoe.Smith+salon@GoogleMail.com",
        phone_mobile="(415) 555-0132",
        phone_home="+44 20 7946 0958",
        phone_work="",
        address_line1="1 Main St",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="us",
        date_of_birth="1985-04-12",
        gender="female",
        loyalty_card="CARD-1",
        external_id="ext-1",
        discount_percent="12.5",
    )
    customer.refresh_from_db()
    assert customer.first_name == "Zoë"
    assert customer.email == "Zoe.Smith+salon@googlemail.com"
    assert customer.email_key == "zoesmith@gmail.com"
    assert customer.phone_mobile == "+14155550132"
    assert customer.phone_home == "+442079460958"
    assert customer.country == "US"
    assert customer.date_of_birth == date(1985, 4, 12)
    assert str(customer.discount_percent) == "12.50"
    assert customer.account_number == "C000001"
    assert (customer.status, customer.source, customer.version) == ("active", "manual", 1)


def test_errors_name_every_bad_field(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        _create(
            world,
            first_name="A",
            email="nope@",
            phone_mobile="12",
            phone_work="call me",
            date_of_birth=(timezone.now().date() + timedelta(days=2)).isoformat(),
            gender="robot",
            discount_percent="101",
            country="XX",
        )
    errors = _errors(exc)
    assert set(errors) == {
        "email",
        "phone_mobile",
        "phone_work",
        "date_of_birth",
        "gender",
        "discount_percent",
        "country",
    }
    assert "future" in errors["date_of_birth"]
    with pytest.raises(DomainError) as exc:
        _create(world, first_name="A", date_of_birth="1899-12-31")
    assert "1900" in _errors(exc)["date_of_birth"]
    with pytest.raises(DomainError) as exc:
        _create(world)
    assert "last_name" in _errors(exc)
    assert _create(world, company="Only A Company").display_name == "Only A Company"
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 1  # nothing half-written


def test_organization_can_require_gender_and_birth_date(world: World) -> None:
    Organization.objects.filter(pk=world.org_a.pk).update(require_gender_dob=True)
    world.org_a.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        _create(world, first_name="No", last_name="Details")
    assert set(_errors(exc)) == {"gender", "date_of_birth"}
    assert _create(world, first_name="Has", gender="undisclosed", date_of_birth="1990-01-01")


def test_account_numbers_follow_the_prefix_and_skip_past_given_ones(world: World) -> None:
    first = _create(world, first_name="One")
    given = _create(world, first_name="Imported", account_number="C000500")
    after = _create(world, first_name="Next")
    other = _create(world, first_name="Odd", account_number="LEGACY-7")
    last = _create(world, first_name="Last")
    assert [first.account_number, given.account_number, after.account_number] == [
        "C000001",
        "C000500",
        "C000501",
    ]
    assert (other.account_number, last.account_number) == ("LEGACY-7", "C000502")
    with pytest.raises(Conflict) as exc:
        _create(world, first_name="Clash", account_number="C000500")
    assert "account_number" in _errors(exc)  # type: ignore[arg-type]
    Organization.objects.filter(pk=world.org_a.pk).update(account_prefix="BL-")
    world.org_a.refresh_from_db()
    assert _create(world, first_name="Prefixed").account_number == "BL-000503"


def test_identifiers_are_unique_and_a_deleted_holder_is_named(world: World) -> None:
    kept = _create(world, first_name="Kept", loyalty_card="L1", external_id="X1")
    with pytest.raises(Conflict) as exc:
        _create(world, first_name="Copy", loyalty_card="L1", external_id="X1")
    assert set(_errors(exc)) == {"loyalty_card", "external_id"}  # type: ignore[arg-type]
    with tenant_scope(world.org_a):
        services.customer_delete(
            org=world.org_a, actor=world.owner_a.actor, customer_id=kept.pk, expected_version=1
        )
    with pytest.raises(Conflict) as exc:
        _create(world, first_name="Copy", loyalty_card="L1")
    assert "deleted customer" in _errors(exc)["loyalty_card"]  # type: ignore[arg-type]
    # Empty identifiers never clash.
    assert _create(world, first_name="A") and _create(world, first_name="B")


def test_changing_the_email_clears_its_invalid_mark_and_moves_the_key(world: World) -> None:
    customer = _create(world, first_name="Bounce", email="old@example.com")
    with tenant_scope(world.org_a):
        Customer.objects.filter(pk=customer.pk).update(
            email_invalid_reason="hard bounce", email_invalid_at="2026-01-01T00:00:00Z"
        )
        updated = services.customer_update(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=customer.pk,
            data={"email": "New@Example.com", "city": "Leeds"},
            expected_version=1,
        )
    assert (updated.email, updated.email_key) == ("New@example.com", "new@example.com")
    assert (updated.email_invalid_at, updated.email_invalid_reason) == (None, "")
    assert updated.version == 2
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.filter(action="customers.customer.updated").get()
    assert entry.changes["city"] == {"old": "", "new": "Leeds"}


def test_stale_or_missing_version_is_refused(world: World) -> None:
    customer = _create(world, first_name="Ver")
    with tenant_scope(world.org_a):
        with pytest.raises(services.PreconditionRequired):
            services.customer_update(
                org=world.org_a,
                actor=world.owner_a.actor,
                customer_id=customer.pk,
                data={"first_name": "X"},
                expected_version=None,
            )
        services.customer_update(
            org=world.org_a,
            actor=world.owner_a.actor,
            customer_id=customer.pk,
            data={"first_name": "First"},
            expected_version=1,
        )
        with pytest.raises(services.VersionConflict) as exc:
            services.customer_update(
                org=world.org_a,
                actor=world.manager_a.actor,
                customer_id=customer.pk,
                data={"first_name": "Second"},
                expected_version=1,
            )
        assert exc.value.current_version == 2
        customer.refresh_from_db()
    assert customer.first_name == "First"


def test_limited_staff_create_customers_in_their_locations(world: World, client_for: Any) -> None:
    client = client_for(world.limited_a)
    form = client.get("/customers/new/").content.decode()
    assert f'value="{world.loc_a1.pk}"' in form
    assert f'value="{world.loc_a2.pk}"' not in form  # only their own locations to choose
    client.post(
        "/customers/new/",
        {"first_name": "Lim", "last_name": "Ited", "location_ids": [world.loc_a1.pk]},
    )
    with tenant_scope(world.org_a):
        customer = Customer.objects.get(last_name="Ited")
        assert not customer.all_locations
        assert [loc.pk for loc in customer.locations.all()] == [world.loc_a1.pk]
        # Through a service without locations: the member's own, by default.
        quiet = services.customer_create(
            org=world.org_a, actor=world.limited_a.actor, data={"first_name": "Quiet"}
        )
        assert [loc.pk for loc in quiet.locations.all()] == [world.loc_a1.pk]
    response = client.post(
        "/customers/new/",
        {"first_name": "Far", "last_name": "Away", "location_ids": [world.loc_a2.pk]},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    with tenant_scope(world.org_a):
        assert not Customer.objects.filter(last_name="Away").exists()


# ------------------------------------------------------------------ matching


def test_find_by_keys_outcomes(world: World) -> None:
    ann = _create(world, first_name="Ann", email="ann.lee@gmail.com", phone_mobile="415 555 0100")
    bob = _create(world, first_name="Bob", email="shared@example.com", loyalty_card="B-1")
    cat = _create(world, first_name="Cat", email="shared@example.com", external_id="cat-x")
    gone = _create(world, first_name="Gone", loyalty_card="G-1")
    with tenant_scope(world.org_a):
        services.customer_delete(
            org=world.org_a, actor=world.owner_a.actor, customer_id=gone.pk, expected_version=1
        )
        old = _create(world, first_name="Old", external_id="old-1")
        Customer.objects.filter(pk=old.pk).update(merged_into=ann)

        def find(**keys: str) -> Any:
            return customer_find_by_keys(org=world.org_a, actor=world.staff_a.actor, keys=keys)

        one = find(email="AnnLee+x@googlemail.com", phone="+1 (415) 555-0100")
        assert (one.outcome, one.customer) == (Outcome.ONE, ann)
        assert find(email="nobody@example.com").outcome == Outcome.NONE
        assert find(email="not an email", phone="abc").outcome == Outcome.NONE
        shared = find(email="shared@example.com")
        assert shared.outcome == Outcome.AMBIGUOUS
        assert {c.pk for c in shared.candidates} == {bob.pk, cat.pk}
        conflict = find(loyalty_card="B-1", external_id="cat-x")
        assert (conflict.outcome, conflict.customer) == (Outcome.CONFLICT, bob)
        ordered = customer_find_by_keys(
            org=world.org_a,
            actor=world.staff_a.actor,
            keys={"loyalty_card": "B-1", "external_id": "cat-x"},
            order=["external_id", "loyalty_card"],
        )
        assert ordered.customer == cat
        deleted = find(loyalty_card="G-1")
        assert deleted.outcome == Outcome.NONE
        assert deleted.deleted == [gone]
        merged = find(external_id="old-1")
        assert (merged.outcome, merged.customer) == (Outcome.ONE, ann)


def test_find_by_keys_never_crosses_organizations(world: World) -> None:
    _create(world, first_name="Ann", email="ann@example.com")
    with tenant_scope(world.org_b):
        match = customer_find_by_keys(
            org=world.org_b, actor=world.owner_b.actor, keys={"email": "ann@example.com"}
        )
    assert match.outcome == Outcome.NONE


def test_lookup_api_and_deleted_hint_on_the_list(
    world: World, api_for: Any, client_for: Any
) -> None:
    gone = _create(world, first_name="Gone", last_name="Away", loyalty_card="G-77")
    with tenant_scope(world.org_a):
        services.customer_delete(
            org=world.org_a, actor=world.owner_a.actor, customer_id=gone.pk, expected_version=1
        )
    body = api_for(world.owner_a).get("/api/v1/customers/lookup?loyalty_card=G-77").json()
    assert body["outcome"] == "none"
    assert [d["id"] for d in body["deleted"]] == [gone.pk]
    page = client_for(world.manager_a).get("/customers/?q=G-77").content.decode()
    assert "A deleted customer holds this" in page
    assert "Restore?" in page


# ------------------------------------------------------------------ pages


def test_create_edit_delete_restore_through_pages(world: World, client_for: Any) -> None:
    staff = client_for(world.staff_a)
    bad = staff.post(
        "/customers/new/",
        {"first_name": "", "last_name": "", "email": "x@", "phone_mobile": "12"},
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "Enter a valid email address" in body
    assert 'value="x@"' in body  # what was typed stays
    assert "wrong number of digits" in body
    nameless = staff.post("/customers/new/", {"first_name": "", "last_name": ""})
    assert b"Enter a first name, last name or company." in nameless.content
    created = staff.post(
        "/customers/new/",
        {
            "first_name": "Zoë",
            "last_name": "O'Brien",
            "email": "Zoe@Example.com",
            "phone_mobile": "415-555-0199",
            "all_locations": "on",
        },
    )
    assert created.status_code == 302
    with tenant_scope(world.org_a):
        customer = Customer.objects.get(last_name="O'Brien")
    assert (customer.email, customer.phone_mobile) == ("Zoe@example.com", "+14155550199")
    page = staff.get(f"/customers/{customer.pk}/").content.decode()
    assert "Zoë O&#x27;Brien" in page  # escaped
    assert "C000001" in page
    for tab in ("Details", "Notes", "Reminders", "Consent", "Changes"):
        assert f">{tab}" in page
    edit = staff.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in edit
    staff.post(
        f"/customers/{customer.pk}/edit/",
        {"first_name": "Zoe", "last_name": "O'Brien", "all_locations": "on", "version": "1"},
    )
    with tenant_scope(world.org_a):
        customer.refresh_from_db()
        assert (customer.first_name, customer.email, customer.version) == ("Zoe", "", 2)
        update = AuditEntry.objects.get(action="customers.customer.updated")
        assert update.changes["first_name"] == {"old": "Zoë", "new": "Zoe"}
    changes_tab = staff.get(f"/customers/{customer.pk}/?tab=changes").content.decode()
    assert "<code>first_name</code>: Zoë → Zoe" in changes_tab
    assert staff.post(f"/customers/{customer.pk}/delete/", {"version": 2}).status_code == 403
    manager = client_for(world.manager_a)
    assert manager.post(f"/customers/{customer.pk}/delete/", {"version": 2}).status_code == 302
    with tenant_scope(world.org_a):
        assert Customer.objects.get(pk=customer.pk).deleted_at is not None  # soft delete
    assert manager.get(f"/customers/{customer.pk}/").status_code == 404
    assert b"O&#x27;Brien" not in manager.get("/customers/").content
    assert staff.get("/customers/deleted/").status_code == 403
    deleted_page = manager.get("/customers/deleted/").content.decode()
    assert "O&#x27;Brien" in deleted_page
    assert staff.post(f"/customers/{customer.pk}/restore/").status_code == 403
    assert manager.post(f"/customers/{customer.pk}/restore/").status_code == 302
    assert manager.get(f"/customers/{customer.pk}/").status_code == 200


def test_edit_page_shows_who_changed_it_meanwhile_and_keeps_the_input(
    world: World, client_for: Any
) -> None:
    customer = _create(world, first_name="Pat", last_name="Page", city="York")
    with tenant_scope(world.org_a):
        services.customer_update(
            org=world.org_a,
            actor=world.manager_a.actor,
            customer_id=customer.pk,
            data={"city": "Leeds"},
            expected_version=1,
        )
    staff = client_for(world.staff_a)
    typed = {
        "first_name": "Pat",
        "last_name": "Page",
        "city": "Hull",
        "all_locations": "on",
        "version": "1",
    }
    response = staff.post(f"/customers/{customer.pk}/edit/", typed)
    assert response.status_code == 409
    body = response.content.decode()
    assert f"Changed by {world.manager_a.user.email}" in body or "Changed by" in body
    assert "Leeds" in body and 'value="Hull"' in body
    assert 'name="version" value="2"' in body  # saving again keeps mine, on purpose
    with tenant_scope(world.org_a):
        customer.refresh_from_db()
    assert customer.city == "Leeds"
    assert (
        staff.post(f"/customers/{customer.pk}/edit/", {**typed, "version": "2"}).status_code == 302
    )
    customer.refresh_from_db()
    assert customer.city == "Hull"


def test_deactivate_and_reactivate(world: World, client_for: Any, api_for: Any) -> None:
    customer = _create(world, first_name="Dee", last_name="Active")
    staff = client_for(world.staff_a)
    assert staff.post(f"/customers/{customer.pk}/deactivate/").status_code == 302
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.DEACTIVATED
    assert "Dee Active</a>" not in _names(staff.get("/customers/"))
    assert "Dee Active</a>" in staff.get("/customers/?status=deactivated").content.decode()
    assert "Deactivated:" in staff.get(f"/customers/{customer.pk}/").content.decode()
    api = api_for(world.owner_a)
    assert api.get("/api/v1/customers?status=deactivated").json()["count"] == 1
    body = api.post(f"/api/v1/customers/{customer.pk}/reactivate").json()
    assert (body["status"], body["version"]) == ("active", 3)
    readonly = client_for(world.readonly_a)
    assert readonly.post(f"/customers/{customer.pk}/deactivate/").status_code == 403


def _names(response: Any) -> str:
    return str(response.content.decode())


def test_list_is_keyset_paged_and_sorted(world: World, client_for: Any) -> None:
    for n in range(60):
        make_customer(world.org_a, f"Person{n:02d}", "Listed", email=f"p{n}@a.test")
    make_customer(world.org_a, "Goldie", "Goldsmith")
    client = client_for(world.staff_a)
    first = client.get("/customers/?sort=-name").content.decode()
    assert "61 customers" in first
    assert "Person59" in first and "Person10" in first and "Person09" not in first
    next_link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get("/customers/" + next_link).content.decode()
    assert "Person09" in second and "Goldsmith" in second and "Person59" not in second
    prev_link = second.split('rel="prev" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "Person59" in client.get("/customers/" + prev_link).content.decode()
    found = client.get("/customers/?q=smith").content.decode()
    assert "Goldsmith" in found and "Listed" not in found
    partial = client.get("/customers/?q=person05", headers={"HX-Request": "true"})
    assert b"<html" not in partial.content  # htmx gets the rows only
    assert b"Person05" in partial.content
    garbage = client.get("/customers/?cursor=garbage!!")
    assert garbage.status_code == 400 and "cursor" in garbage.content.decode()


# ------------------------------------------------------------------ API


def test_api_crud_etag_and_versions(world: World, api_for: Any) -> None:
    api: Client = api_for(world.owner_a, "staff")
    bad = api.post(
        "/api/v1/customers",
        {"first_name": "Api", "email": "not-an-email", "phone_home": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "phone_home"}
    created = api.post(
        "/api/v1/customers",
        {"first_name": "Api", "last_name": "Person", "phone_mobile": "4155550142"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    cid = body["id"]
    assert (body["source"], body["phone_mobile"], body["version"]) == ("api", "+14155550142", 1)
    got = api.get(f"/api/v1/customers/{cid}")
    etag = got["ETag"]
    assert etag == f'"{cid}-1"'
    missing = api.patch(
        f"/api/v1/customers/{cid}", {"last_name": "X"}, content_type="application/json"
    )
    assert (missing.status_code, missing.json()["code"]) == (428, "version_required")
    patched = api.patch(
        f"/api/v1/customers/{cid}",
        {"last_name": "Renamed"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert patched.json()["last_name"] == "Renamed"
    assert patched["ETag"] == f'"{cid}-2"'
    stale = api.patch(
        f"/api/v1/customers/{cid}",
        {"last_name": "Stale"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert stale.status_code == 409
    assert (stale.json()["code"], stale.json()["current_version"]) == ("version_conflict", 2)
    by_field = api.patch(
        f"/api/v1/customers/{cid}",
        {"city": "Oslo", "version": 2},
        content_type="application/json",
    )
    assert by_field.json()["version"] == 3
    assert api.get("/api/v1/customers?q=renamed").json()["count"] == 1
    assert api.delete(f"/api/v1/customers/{cid}?version=3").status_code == 403  # staff key
    manager: Client = api_for(world.owner_a, "manager")
    assert manager.delete(f"/api/v1/customers/{cid}").status_code == 428
    assert manager.delete(f"/api/v1/customers/{cid}?version=3").status_code == 204
    assert manager.get(f"/api/v1/customers/{cid}").status_code == 404
    assert [c["id"] for c in manager.get("/api/v1/deleted-customers").json()["items"]] == [cid]
    restored = manager.post(f"/api/v1/customers/{cid}/restore")
    assert restored.status_code == 200
    assert manager.post(f"/api/v1/customers/{cid}/restore").status_code == 409  # not deleted
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.filter(action="customers.customer.updated").first()
    assert entry is not None
    assert (entry.channel, entry.actor_api_key_id is not None) == ("api", True)


def test_custom_values_through_the_record_api_page_and_profile(
    world: World, api_for: Any, client_for: Any
) -> None:
    from regulars.customers.custom_fields import custom_field_create

    with tenant_scope(world.org_a):
        for data in (
            {"key": "shoe_size", "label": "Shoe size", "field_type": "number"},
            {"key": "member_since", "label": "Member since", "field_type": "date"},
            {"key": "vegan", "label": "Vegan", "field_type": "bool"},
            {
                "key": "styles",
                "label": "Styles",
                "field_type": "multi",
                "options": ["Bob", "Fade", "Perm"],
            },
            {"key": "pin", "label": "Locker", "field_type": "text", "required": True},
        ):
            custom_field_create(org=world.org_a, actor=world.owner_a.actor, data=data)
    api: Client = api_for(world.owner_a)
    missing = api.post("/api/v1/customers", {"first_name": "Cus"}, content_type="application/json")
    assert [e["field"] for e in missing.json()["errors"]] == ["custom_fields.pin"]
    created = api.post(
        "/api/v1/customers",
        {
            "first_name": "Cus",
            "custom_fields": {
                "shoe_size": 38.5,
                "member_since": "2020-02-29",
                "vegan": True,
                "styles": ["Fade", "bob"],
                "pin": "A7",
            },
        },
        content_type="application/json",
    ).json()
    assert created["custom_fields"] == {
        "shoe_size": "38.5",
        "member_since": "2020-02-29",
        "vegan": True,
        "styles": ["Bob", "Fade"],
        "pin": "A7",
    }
    patched = api.patch(
        f"/api/v1/customers/{created['id']}",
        {"version": 1, "custom_fields": {"vegan": None, "styles": []}},
        content_type="application/json",
    ).json()
    assert (patched["custom_fields"]["vegan"], patched["custom_fields"]["styles"]) == (None, [])
    assert patched["custom_fields"]["pin"] == "A7"  # untouched by a PATCH that did not name it
    assert patched["version"] == 2
    listed = api.get("/api/v1/customers").json()["items"]
    assert [c["custom_fields"]["pin"] for c in listed if c["id"] == created["id"]] == ["A7"]

    staff = client_for(world.staff_a)
    form = staff.get(f"/customers/{created['id']}/edit/").content.decode()
    assert 'name="cf_shoe_size"' in form and 'value="38.5"' in form
    saved = staff.post(
        f"/customers/{created['id']}/edit/",
        {
            "first_name": "Cus",
            "all_locations": "on",
            "version": "2",
            "cf_shoe_size": "40",
            "cf_member_since": "2020-02-29",
            "cf_vegan": "yes",
            "cf_styles": ["Perm"],
            "cf_pin": "B2",
        },
    )
    assert saved.status_code == 302
    profile = staff.get(f"/customers/{created['id']}/").content.decode()
    for text in ("Shoe size", "40", "Member since", "Perm", "Locker", "B2"):
        assert text in profile
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.filter(action="customers.customer.updated").first()
    assert entry is not None and entry.changes["custom_fields.pin"] == {"old": "A7", "new": "B2"}


def test_a_tampered_or_foreign_list_cursor_is_a_400_naming_it(
    world: World, client_for: Any, api_for: Any
) -> None:
    import base64
    import json

    for n in range(4):
        make_customer(world.org_a, f"Tam{n}", "Pered")
    client = client_for(world.staff_a)

    def cursor(payload: str) -> str:
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    for sort, values in (
        ("created", '["a",["x",1]]'),
        ("created", '["b",["2026-01-01T00:00:00+00:00","abc"]]'),
        ("name", '["a",["Smith","Ann",NaN]]'),
        ("name", '["a",["Smith","Ann",1e999]]'),
        ("name", '["a",[null,"Ann",1]]'),
        ("name", '["a",["Smith",{"x":1},1]]'),
        ("name", '["a",["Smith","Ann",99999999999999999999999]]'),
        ("name", "[" * 5000),
    ):
        response = client.get(f"/customers/?sort={sort}&cursor={cursor(values)}")
        assert response.status_code == 400, values
        assert "another list or is not valid" in response.content.decode(), values

    # A real cursor of one list, handed to another (other filter, sort or search).
    api = api_for(world.owner_a)
    first = api.get("/api/v1/customers?sort=last_name&limit=2").json()
    assert first["next_cursor"]
    own = api.get(f"/api/v1/customers?sort=last_name&limit=2&cursor={first['next_cursor']}")
    assert own.status_code == 200 and len(own.json()["items"]) == 2
    for other in (
        "sort=-last_name",
        "sort=last_name&status=all",
        "sort=last_name&q=tam",
        "q=tam",
        "sort=last_name&city=Sydney",
    ):
        response = api.get(f"/api/v1/customers?{other}&limit=2&cursor={first['next_cursor']}")
        assert response.status_code == 400, other
        assert response.json()["errors"][0]["field"] == "cursor", other
    ranked = api.get("/api/v1/customers?q=pered&limit=2").json()
    assert ranked["next_cursor"]
    again = api.get(f"/api/v1/customers?q=pered&limit=2&cursor={ranked['next_cursor']}")
    assert again.status_code == 200
    for other in ("q=tam0", "q=pered&status=all", "sort=last_name"):
        response = api.get(f"/api/v1/customers?{other}&limit=2&cursor={ranked['next_cursor']}")
        assert response.status_code == 400, other
        assert response.json()["errors"][0]["field"] == "cursor", other
    page = client.get("/customers/?sort=name")
    assert page.status_code == 200
    # Well-formed cursors of this very list, with values no column holds: 400, not a 500.
    from regulars.core.paging import query_fingerprint
    from regulars.customers.columns import parse_sort

    for sort, values, status in (
        ("last_name", ["Smith", "Ann", 1], 200),  # the forgery itself is well made
        ("last_name", ["Smi\x00th", "Ann", 1], 400),
        ("discount_percent", ["1e999999", 1], 400),
    ):
        order = parse_sort(sort).order
        fingerprint = query_fingerprint("active\n\n\n" + ",".join(order))
        forged = cursor(json.dumps(["a", values, fingerprint, None]))
        response = api.get(f"/api/v1/customers?sort={sort}&cursor={forged}")
        assert response.status_code == status, sort
        if status == 400:
            assert response.json()["errors"][0]["field"] == "cursor", sort
    huge = api.get("/api/v1/customers?limit=1000000000")
    assert huge.status_code == 400 and huge.json()["errors"][0]["field"] == "limit"


def test_location_limited_staff_change_only_their_share_and_see_only_their_customers(
    world: World, api_for: Any, client_for: Any
) -> None:
    both = _create(
        world,
        first_name="Two",
        last_name="Places",
        all_locations=False,
        location_ids=[world.loc_a1.pk, world.loc_a2.pk],
    )
    south = _create(
        world,
        first_name="South",
        last_name="Only",
        email="south@example.com",
        loyalty_card="S-1",
        all_locations=False,
        location_ids=[world.loc_a2.pk],
    )
    limited = client_for(world.limited_a)
    saved = limited.post(
        f"/customers/{both.pk}/edit/",
        {
            "first_name": "Two",
            "last_name": "Places",
            "phone_mobile": "415 555 0111",
            "location_ids": [world.loc_a1.pk],
            "version": both.version,
        },
    )
    assert saved.status_code == 302
    with tenant_scope(world.org_a):
        kept = sorted(loc.pk for loc in Customer.objects.get(pk=both.pk).locations.all())
    assert kept == sorted([world.loc_a1.pk, world.loc_a2.pk])  # the other location stays
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        services.customer_update(
            org=world.org_a,
            actor=world.limited_a.actor,
            customer_id=both.pk,
            data={"all_locations": True},
            expected_version=2,
        )
    assert "all_locations" in _errors(exc)
    # Lookups and identifier clashes do not reveal customers of other locations.
    key = api_for(world.owner_a, "staff")
    assert key.get("/api/v1/customers/lookup?email=south@example.com").json()["outcome"] == "one"
    session = client_for(world.limited_a)
    body = session.get("/api/v1/customers/lookup?email=south@example.com").json()
    assert (body["outcome"], body["customer_id"], body["candidate_ids"]) == ("none", None, [])
    with tenant_scope(world.org_a), pytest.raises(Conflict) as clash:
        services.customer_create(
            org=world.org_a,
            actor=world.limited_a.actor,
            data={"first_name": "Copy", "loyalty_card": "S-1"},
        )
    assert "South" not in str(clash.value.errors)
    assert south.pk


def test_patch_clears_a_date_or_number_with_an_empty_string(world: World, api_for: Any) -> None:
    customer = _create(world, first_name="Clear", date_of_birth="1990-05-05", discount_percent=10)
    other = _create(world, first_name="Other")
    api: Client = api_for(world.owner_a)
    wrong = api.patch(
        f"/api/v1/customers/{customer.pk}",
        {"city": "X"},
        content_type="application/json",
        headers={"If-Match": other.etag},  # another customer's ETag, same version
    )
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (400, "If-Match")
    body = api.patch(
        f"/api/v1/customers/{customer.pk}",
        {"date_of_birth": "", "discount_percent": "", "cleared": ["first_name"]},
        content_type="application/json",
        headers={"If-Match": customer.etag},
    ).json()
    assert (body["date_of_birth"], body["discount_percent"]) == (None, None)
    assert body["first_name"] == "Clear"  # "cleared" is not a way in for other fields
