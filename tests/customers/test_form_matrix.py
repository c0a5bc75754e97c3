"""Every customer form and write operation fed the same bad inputs: each answer names the
field, none is a 500, and nothing is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.customers.models import Customer
from tests.conftest import World
from tests.test_tenancy_walk import org_state

pytestmark = pytest.mark.django_db

FUTURE = (timezone.now().date() + timedelta(days=3)).isoformat()


@dataclass(frozen=True)
class Bad:
    name: str
    data: dict[str, Any]
    field: str  # the field the error must name
    api_only: bool = False  # a wrong JSON type cannot be typed into a page
    page_field: str | None = None  # the form's name for it, when it differs
    page_data: dict[str, Any] | None = None  # the form's fields, when they differ


def cases(world: World) -> list[Bad]:
    return [
        Bad("missing name", {"first_name": "", "last_name": "", "company": ""}, "last_name"),
        Bad("bad email", {"email": "someone@"}, "email"),
        Bad("unparseable phone", {"phone_mobile": "call me maybe"}, "phone_mobile"),
        Bad("too short phone", {"phone_work": "12"}, "phone_work"),
        Bad("future birth date", {"date_of_birth": FUTURE}, "date_of_birth"),
        Bad("birth before 1900", {"date_of_birth": "1899-12-31"}, "date_of_birth"),
        Bad("not a date", {"date_of_birth": "last tuesday"}, "date_of_birth"),
        Bad("unknown gender", {"gender": "robot"}, "gender"),
        Bad("discount over 100", {"discount_percent": "150"}, "discount_percent"),
        Bad("discount not a number", {"discount_percent": "lots"}, "discount_percent"),
        Bad("unknown country", {"country": "QQ"}, "country"),
        Bad("oversize name", {"first_name": "x" * 101}, "first_name"),
        Bad("oversize address", {"address_line1": "y" * 201}, "address_line1"),
        Bad(
            "foreign location",
            {"all_locations": False, "location_ids": [world.loc_b1.pk]},
            "location_ids",
        ),
        Bad(
            "unknown location",
            {"all_locations": False, "location_ids": [987654]},
            "location_ids",
        ),
        Bad("name of the wrong type", {"first_name": 12345}, "first_name", api_only=True),
        Bad("flag of the wrong type", {"all_locations": "yes"}, "all_locations", api_only=True),
        Bad("ids of the wrong type", {"location_ids": "1,2"}, "location_ids", api_only=True),
        Bad(
            "custom number not a number",
            {"custom_fields": {"shoe_size": "big"}},
            "custom_fields.shoe_size",
            page_field="cf_shoe_size",
            page_data={"cf_shoe_size": "big"},
        ),
        Bad(
            "custom choice not an option",
            {"custom_fields": {"hair_type": "Purple"}},
            "custom_fields.hair_type",
            page_field="cf_hair_type",
            page_data={"cf_hair_type": "Purple"},
        ),
        Bad(
            "custom field of another organization",
            {"custom_fields": {"beta_only": "x"}},
            "custom_fields.beta_only",
            api_only=True,
        ),
        Bad(
            "custom values of the wrong type",
            {"custom_fields": ["shoe_size", 4]},
            "custom_fields",
            api_only=True,
        ),
    ]


def _case_ids() -> list[str]:
    return [c.name for c in cases(_FakeWorld())]  # type: ignore[arg-type]


class _FakeWorld:
    """Only for naming the parametrized cases before the database exists."""

    class loc_b1:  # noqa: N801
        pk = 0


VALID = {"first_name": "Valid", "last_name": "Person", "all_locations": True}


def _page_data(data: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for key, value in {**VALID, **data}.items():
        if isinstance(value, bool):
            if value:
                form[key] = "on"
        else:
            form[key] = value
    return form


def _custom_fields(world: World) -> None:
    from regulars.customers.custom_fields import custom_field_create
    from regulars.tenancy.scope import tenant_scope

    with tenant_scope(world.org_a):
        for data in (
            {"key": "shoe_size", "label": "Shoe size", "field_type": "number"},
            {
                "key": "hair_type",
                "label": "Hair type",
                "field_type": "choice",
                "options": ["Curly"],
            },
        ):
            custom_field_create(org=world.org_a, actor=world.owner_a.actor, data=data)
    with tenant_scope(world.org_b):
        custom_field_create(
            org=world.org_b,
            actor=world.owner_b.actor,
            data={"key": "beta_only", "label": "Beta only", "field_type": "text"},
        )


def assert_page_names_field(html: str, field: str) -> None:
    """The error sits on the field: its wrapper has `has-error` and an error list."""
    blocks = re.split(r'(?=<div class="field)', html)
    for block in blocks:
        if f'name="{field}"' in block and "has-error" in block.split(">", 1)[0]:
            assert "errorlist" in block, field
            return
    raise AssertionError(f"no error shown on {field}")


@pytest.mark.parametrize("index", range(len(_case_ids())), ids=_case_ids())
def test_bad_input_on_every_customer_form_and_operation(
    world: World, client_for: Any, api_for: Any, customers_a: dict[str, Customer], index: int
) -> None:
    bad = cases(world)[index]
    target = customers_a["everywhere"]
    _custom_fields(world)
    api: Client = api_for(world.owner_a)
    page: Client = client_for(world.owner_a)
    before = org_state(world.org_a)

    created = api.post("/api/v1/customers", {**VALID, **bad.data}, content_type="application/json")
    patched = api.patch(
        f"/api/v1/customers/{target.pk}",
        {**bad.data, "version": target.version},
        content_type="application/json",
    )
    for response in (created, patched):
        assert response.status_code in (400, 409), (bad.name, response.status_code)
        fields = [e["field"] for e in response.json()["errors"]]
        assert bad.field in fields, (bad.name, response.json())

    if not bad.api_only:
        form = _page_data(bad.page_data or bad.data)
        new = page.post("/customers/new/", form)
        edit = page.post(f"/customers/{target.pk}/edit/", {**form, "version": target.version})
        for response in (new, edit):
            assert response.status_code == 200, (bad.name, response.status_code)
            assert_page_names_field(response.content.decode(), bad.page_field or bad.field)

    assert org_state(world.org_a) == before, bad.name


def test_a_stale_version_is_named_and_writes_nothing(
    world: World, client_for: Any, api_for: Any, customers_a: dict[str, Customer]
) -> None:
    target = customers_a["everywhere"]
    stale = target.version - 1 if target.version > 1 else target.version + 5
    api: Client = api_for(world.owner_a)
    before = org_state(world.org_a)
    for method, url, body in (
        ("patch", f"/api/v1/customers/{target.pk}", {"city": "Nowhere", "version": stale}),
        ("delete", f"/api/v1/customers/{target.pk}?version={stale}", None),
    ):
        response = (
            getattr(api, method)(url, body, content_type="application/json")
            if body
            else getattr(api, method)(url)
        )
        assert response.status_code == 409, (method, response.status_code)
        assert response.json()["code"] == "version_conflict"
        assert [e["field"] for e in response.json()["errors"]] == ["version"]
    edit = client_for(world.owner_a).post(
        f"/customers/{target.pk}/edit/", {**_page_data({"city": "Nowhere"}), "version": stale}
    )
    assert edit.status_code == 409
    assert "Changed by" in edit.content.decode()
    assert org_state(world.org_a) == before


def test_foreign_and_unknown_categories_are_named(
    world: World, client_for: Any, api_for: Any, customers_a: dict[str, Customer]
) -> None:
    from regulars.customers.categories import category_create
    from regulars.tenancy.scope import tenant_scope

    with tenant_scope(world.org_b):
        theirs = category_create(org=world.org_b, actor=world.owner_b.actor, data={"name": "B"})
    with tenant_scope(world.org_a):
        category_create(org=world.org_a, actor=world.owner_a.actor, data={"name": "Ours"})
    target = customers_a["everywhere"]
    api: Client = api_for(world.owner_a)
    before = org_state(world.org_a)
    for ids in ([theirs.pk], [987654], ["x"]):
        response = api.put(
            f"/api/v1/customers/{target.pk}/categories",
            {"category_ids": ids},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"].startswith("category_ids")
    page = client_for(world.owner_a).post(
        f"/customers/{target.pk}/categories/", {"categories": [theirs.pk]}
    )
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert org_state(world.org_a) == before
