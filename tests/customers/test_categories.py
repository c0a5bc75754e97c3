"""Categories ("customer types"): managed in settings, set per customer, shown as chips."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.customers.categories import (
    category_create,
    category_delete,
    category_update,
    customer_categories_set,
)
from regulars.customers.models import Category, Customer
from regulars.tenancy.models import Role
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import Member

pytestmark = pytest.mark.django_db


def _create(member: Member, **data: Any) -> Category:
    with tenant_scope(member.org):
        return category_create(org=member.org, actor=member.actor, data=data)


def _category_ids(customer: Customer) -> list[int]:
    with tenant_scope(customer.organization):
        return sorted(customer.categories.values_list("id", flat=True))


def _field(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


# ------------------------------------------------------------------ services


def test_create_update_delete_trim_and_audit(world: World) -> None:
    vip = _create(world.manager_a, name="  VIP  ", colour="#AA00FF", description=" Big spenders ")
    assert (vip.name, vip.colour, vip.description) == ("VIP", "#aa00ff", "Big spenders")
    with tenant_scope(world.org_a):
        updated = category_update(
            org=world.org_a,
            actor=world.manager_a.actor,
            category_id=vip.pk,
            data={"name": "Gold ", "colour": "#ffd700"},
        )
        assert (updated.name, updated.colour) == ("Gold", "#ffd700")
        entry = AuditEntry.objects.get(action="customers.category.updated")
        assert entry.changes["name"] == {"old": "VIP", "new": "Gold"}
        category_delete(org=world.org_a, actor=world.manager_a.actor, category_id=vip.pk)
        assert not Category.objects.exists()
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "customers.category.created",
        "customers.category.updated",
        "customers.category.deleted",
    } <= actions


def test_duplicate_name_differing_in_case_names_the_field(world: World) -> None:
    _create(world.owner_a, name="VIP")
    regular = _create(world.owner_a, name="Regular")
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, name=" vip ")
    assert [e.field for e in exc.value.errors] == ["name"]
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        category_update(
            org=world.org_a, actor=world.owner_a.actor, category_id=regular.pk, data={"name": "Vip"}
        )
    assert [e.field for e in exc.value.errors] == ["name"]
    # Another organization may use the same name.
    assert _create(world.owner_b, name="VIP").name == "VIP"


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "123456", "#1234567", ""])
def test_bad_colour_names_the_field(world: World, colour: str) -> None:
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, name="VIP", colour=colour)
    assert [e.field for e in exc.value.errors] == ["colour"]
    with tenant_scope(world.org_a):
        assert not Category.objects.exists()


def test_blank_name_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, name="   ")
    assert [e.field for e in exc.value.errors] == ["name"]


def test_staff_cannot_manage_categories_but_can_set_them(
    world: World, customers_a: dict[str, Customer]
) -> None:
    with pytest.raises(Forbidden):
        _create(world.staff_a, name="VIP")
    vip = _create(world.owner_a, name="VIP")
    alice = customers_a["everywhere"]
    with tenant_scope(world.org_a):
        with pytest.raises(Forbidden):
            category_update(
                org=world.org_a, actor=world.staff_a.actor, category_id=vip.pk, data={"name": "X"}
            )
        with pytest.raises(Forbidden):
            category_delete(org=world.org_a, actor=world.staff_a.actor, category_id=vip.pk)
        customer_categories_set(
            org=world.org_a, actor=world.staff_a.actor, customer_id=alice.pk, category_ids=[vip.pk]
        )
        entry = AuditEntry.objects.get(action="customers.customer.categories_changed")
        assert entry.changes["categories"] == {"old": [], "new": [vip.pk]}
        with pytest.raises(Forbidden):
            customer_categories_set(
                org=world.org_a, actor=world.readonly_a.actor, customer_id=alice.pk, category_ids=[]
            )
    assert _category_ids(alice) == [vip.pk]


def test_setting_the_same_categories_again_writes_nothing(
    world: World, customers_a: dict[str, Customer]
) -> None:
    vip = _create(world.owner_a, name="VIP")
    alice = customers_a["everywhere"]
    with tenant_scope(world.org_a):
        for _ in range(2):
            customer_categories_set(
                org=world.org_a,
                actor=world.staff_a.actor,
                customer_id=alice.pk,
                category_ids=[vip.pk, vip.pk],
            )
        assert (
            AuditEntry.objects.filter(action="customers.customer.categories_changed").count() == 1
        )


def test_foreign_or_unknown_category_ids_are_refused_and_nothing_written(
    world: World, customers_a: dict[str, Customer]
) -> None:
    mine = _create(world.owner_a, name="VIP")
    theirs = _create(world.owner_b, name="Beta VIP")
    alice = customers_a["everywhere"]
    with tenant_scope(world.org_a):
        for ids in ([mine.pk, theirs.pk], [mine.pk, 2**40]):
            with pytest.raises(DomainError) as exc:
                customer_categories_set(
                    org=world.org_a,
                    actor=world.owner_a.actor,
                    customer_id=alice.pk,
                    category_ids=ids,
                )
            assert [e.field for e in exc.value.errors] == ["category_ids"]
        with pytest.raises(NotFound):
            category_update(
                org=world.org_a,
                actor=world.owner_a.actor,
                category_id=theirs.pk,
                data={"name": "X"},
            )
    assert _category_ids(alice) == []
    with tenant_scope(world.org_b):
        assert Category.objects.get(pk=theirs.pk).name == "Beta VIP"


def test_deleting_a_category_keeps_its_customers(
    world: World, customers_a: dict[str, Customer]
) -> None:
    vip = _create(world.owner_a, name="VIP")
    alice = customers_a["everywhere"]
    with tenant_scope(world.org_a):
        customer_categories_set(
            org=world.org_a, actor=world.owner_a.actor, customer_id=alice.pk, category_ids=[vip.pk]
        )
        category_delete(org=world.org_a, actor=world.owner_a.actor, category_id=vip.pk)
        assert Customer.objects.filter(pk=alice.pk).exists()
    assert _category_ids(alice) == []


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#000000", "#ffffff"),
        ("#ffffff", "#000000"),
        ("#ffd700", "#000000"),
        ("#1e3a8a", "#ffffff"),
    ],
)
def test_chip_text_is_readable_on_its_colour(colour: str, text: str) -> None:
    assert Category(name="x", colour=colour).text_colour == text


# ------------------------------------------------------------------ API


def test_api_crud_and_customer_categories(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client]
) -> None:
    api = api_for(world.owner_a, Role.MANAGER)
    created = api.post(
        "/api/v1/categories",
        {"name": " VIP ", "colour": "#AA0000", "description": "Big"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["colour"], body["description"]) == ("VIP", "#aa0000", "Big")
    cid = body["id"]
    assert api.get(f"/api/v1/categories/{cid}").json()["name"] == "VIP"
    listed = api.get("/api/v1/categories").json()
    assert [c["name"] for c in listed["items"]] == ["VIP"]
    patched = api.patch(
        f"/api/v1/categories/{cid}", {"colour": "#00ff00"}, content_type="application/json"
    )
    assert patched.json()["colour"] == "#00ff00"

    alice = customers_a["everywhere"]
    put = api.put(
        f"/api/v1/customers/{alice.pk}/categories",
        {"category_ids": [cid]},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["category_ids"] == [cid]
    assert api.get(f"/api/v1/customers/{alice.pk}").json()["category_ids"] == [cid]
    row = next(c for c in api.get("/api/v1/customers").json()["items"] if c["id"] == alice.pk)
    assert row["category_ids"] == [cid]

    assert api.delete(f"/api/v1/categories/{cid}").status_code == 204
    assert api.get(f"/api/v1/categories/{cid}").status_code == 404
    assert api.get(f"/api/v1/customers/{alice.pk}").json()["category_ids"] == []


def test_api_duplicate_name_and_bad_colour_are_400_naming_the_field(
    world: World, api_for: Callable[..., Client]
) -> None:
    api = api_for(world.owner_a)
    api.post("/api/v1/categories", {"name": "VIP"}, content_type="application/json")
    dup = api.post("/api/v1/categories", {"name": "vip"}, content_type="application/json")
    assert dup.status_code == 400
    assert _field(dup) == ["name"]
    for colour in ("#zzzzzz", "red", "#fff"):
        bad = api.post(
            "/api/v1/categories", {"name": "New", "colour": colour}, content_type="application/json"
        )
        assert bad.status_code == 400, colour
        assert _field(bad) == ["colour"], colour
    with tenant_scope(world.org_a):
        assert list(Category.objects.values_list("name", flat=True)) == ["VIP"]


def test_api_staff_gets_403_on_management_but_sets_customer_categories(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client]
) -> None:
    vip = _create(world.owner_a, name="VIP")
    staff = api_for(world.owner_a, Role.STAFF)
    assert staff.get("/api/v1/categories").status_code == 200
    denied = [
        staff.post("/api/v1/categories", {"name": "X"}, content_type="application/json"),
        staff.patch(f"/api/v1/categories/{vip.pk}", {"name": "X"}, content_type="application/json"),
        staff.delete(f"/api/v1/categories/{vip.pk}"),
    ]
    assert [r.status_code for r in denied] == [403, 403, 403]
    alice = customers_a["everywhere"]
    put = staff.put(
        f"/api/v1/customers/{alice.pk}/categories",
        {"category_ids": [vip.pk]},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert _category_ids(alice) == [vip.pk]


def test_api_other_organizations_categories_are_refused(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client]
) -> None:
    theirs = _create(world.owner_b, name="Beta VIP")
    api = api_for(world.owner_a)
    alice = customers_a["everywhere"]
    put = api.put(
        f"/api/v1/customers/{alice.pk}/categories",
        {"category_ids": [theirs.pk]},
        content_type="application/json",
    )
    assert put.status_code == 400
    assert _field(put) == ["category_ids"]
    assert api.get(f"/api/v1/categories/{theirs.pk}").status_code == 404
    assert api.delete(f"/api/v1/categories/{theirs.pk}").status_code == 404
    assert _category_ids(alice) == []
    with tenant_scope(world.org_b):
        assert Category.objects.filter(pk=theirs.pk).exists()


# ------------------------------------------------------------------ pages


def test_settings_pages_create_edit_delete(world: World, client_for: Callable[..., Client]) -> None:
    client = client_for(world.manager_a)
    assert client.get("/settings/categories/new/").status_code == 200
    response = client.post(
        "/settings/categories/new/",
        {"name": "VIP", "colour": "#0f766e", "description": "Best"},
    )
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        vip = Category.objects.get()
    page = client.get("/settings/categories/").content.decode()
    assert "VIP" in page
    assert "background-color: #0f766e" in page
    assert 'href="/settings/categories/"' in client.get("/customers/").content.decode()
    edit = client.get(f"/settings/categories/{vip.pk}/").content.decode()
    assert 'type="color"' in edit
    assert "data-confirm=" in edit
    client.post(
        f"/settings/categories/{vip.pk}/", {"name": "Gold", "colour": "#ffd700", "description": ""}
    )
    with tenant_scope(world.org_a):
        vip.refresh_from_db()
    assert (vip.name, vip.colour) == ("Gold", "#ffd700")
    assert client.post(f"/settings/categories/{vip.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        assert not Category.objects.exists()


def test_settings_form_keeps_input_and_shows_field_errors(
    world: World, client_for: Callable[..., Client]
) -> None:
    _create(world.owner_a, name="VIP")
    client = client_for(world.owner_a)
    response = client.post(
        "/settings/categories/new/", {"name": "vip", "colour": "#123456", "description": "kept"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "already exists" in body
    assert "kept" in body
    response = client.post("/settings/categories/new/", {"name": "New", "colour": "nope"})
    assert "#rrggbb" in response.content.decode()
    with tenant_scope(world.org_a):
        assert Category.objects.count() == 1


def test_staff_gets_403_on_settings_pages_and_sees_no_link(
    world: World, client_for: Callable[..., Client]
) -> None:
    vip = _create(world.owner_a, name="VIP")
    client = client_for(world.staff_a)
    assert client.get("/settings/categories/").status_code == 403
    assert client.get("/settings/categories/new/").status_code == 403
    assert client.get(f"/settings/categories/{vip.pk}/").status_code == 403
    assert client.post(f"/settings/categories/{vip.pk}/delete/").status_code == 403
    assert "/settings/categories/" not in client.get("/customers/").content.decode()


def test_chips_on_list_and_profile_and_the_profile_form(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    dark = _create(world.owner_a, name="<b>Night</b>", colour="#111111")
    light = _create(world.owner_a, name="Sunny", colour="#ffee00")
    alice = customers_a["everywhere"]
    client = client_for(world.staff_a)
    profile = client.get(f"/customers/{alice.pk}/").content.decode()
    assert 'name="categories"' in profile
    response = client.post(
        f"/customers/{alice.pk}/categories/", {"categories": [str(dark.pk), str(light.pk)]}
    )
    assert response.status_code == 302
    assert _category_ids(alice) == sorted([dark.pk, light.pk])
    listing = client.get("/customers/").content.decode()
    profile = client.get(f"/customers/{alice.pk}/").content.decode()
    for body in (listing, profile):
        assert "&lt;b&gt;Night&lt;/b&gt;" in body
        assert "<b>Night</b>" not in body
        assert "background-color: #111111; border-color: #111111; color: #ffffff" in body
        assert "background-color: #ffee00; border-color: #ffee00; color: #000000" in body


def test_profile_form_refuses_foreign_categories(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    theirs = _create(world.owner_b, name="Beta VIP")
    alice = customers_a["everywhere"]
    client = client_for(world.staff_a)
    response = client.post(f"/customers/{alice.pk}/categories/", {"categories": [str(theirs.pk)]})
    assert response.status_code == 200
    assert "Beta VIP" not in response.content.decode()
    assert _category_ids(alice) == []


def test_readonly_sees_chips_but_no_categories_form(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    vip = _create(world.owner_a, name="VIP")
    alice = customers_a["everywhere"]
    with tenant_scope(world.org_a):
        customer_categories_set(
            org=world.org_a, actor=world.owner_a.actor, customer_id=alice.pk, category_ids=[vip.pk]
        )
    client = client_for(world.readonly_a)
    profile = client.get(f"/customers/{alice.pk}/").content.decode()
    assert ">VIP</span>" in profile
    assert 'name="categories"' not in profile
    assert client.post(f"/customers/{alice.pk}/categories/", {"categories": []}).status_code == 403
    assert _category_ids(alice) == [vip.pk]
