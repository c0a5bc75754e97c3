"""Saved views and column settings through the API: per person, shared, validated."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from regulars.customers.categories import category_create
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


def test_saved_views_are_private_or_shared_and_validated(world: World, client_for: Any) -> None:
    with tenant_scope(world.org_a):
        vip = category_create(org=world.org_a, actor=world.owner_a.actor, data={"name": "VIP"})
    staff = client_for(world.staff_a)
    manager = client_for(world.manager_a)
    created = _json(
        staff,
        "post",
        "/api/v1/saved-views",
        {
            "name": "VIPs in Leeds",
            "query": f"city=Leeds&category__any={vip.pk}&sort=-created_at&q=ann",
            "columns": ["name", "email", "categories"],
        },
    )
    assert created.status_code == 201, created.json()
    view = created.json()
    assert view["query"].startswith("q=ann&sort=-created_at&")
    assert f"category__any={vip.pk}" in view["query"]
    assert _json(manager, "get", f"/api/v1/saved-views/{view['id']}").status_code == 404
    assert _json(manager, "get", "/api/v1/saved-views").json()["count"] == 0
    shared = _json(staff, "patch", f"/api/v1/saved-views/{view['id']}", {"shared": True})
    assert shared.json()["shared"] is True
    assert _json(manager, "get", "/api/v1/saved-views").json()["count"] == 1
    refused = _json(manager, "patch", f"/api/v1/saved-views/{view['id']}", {"name": "Mine"})
    assert refused.status_code == 403
    assert _json(manager, "delete", f"/api/v1/saved-views/{view['id']}").status_code == 403
    for body, field in (
        ({"name": "Bad", "query": "category__any=987654"}, "query"),
        ({"name": "Bad", "query": "sort=shoe_size"}, "query"),
        ({"name": "Bad", "columns": ["nope"]}, "columns"),
        ({"name": "VIPs in Leeds"}, "name"),
        ({"name": ""}, "name"),
    ):
        response = _json(staff, "post", "/api/v1/saved-views", body)
        assert response.status_code == 400, (body, response.status_code)
        assert response.json()["errors"][0]["field"] == field, (body, response.json())
    assert _json(staff, "delete", f"/api/v1/saved-views/{view['id']}").status_code == 204


def test_column_settings_per_person(world: World, client_for: Any, api_for: Any) -> None:
    staff = client_for(world.staff_a)
    default = _json(staff, "get", "/api/v1/column-settings").json()
    assert default["columns"][0] == "name" and default["locked"] == 1
    saved = _json(
        staff,
        "put",
        "/api/v1/column-settings",
        {"columns": ["account_number", "name", "city"], "locked": 2},
    )
    assert saved.json() == {"columns": ["account_number", "name", "city"], "locked": 2}
    assert _json(staff, "get", "/api/v1/column-settings").json()["locked"] == 2
    other = client_for(world.manager_a)
    assert _json(other, "get", "/api/v1/column-settings").json()["columns"][0] == "name"
    for body, field in (
        ({"columns": ["name"], "locked": 6}, "locked"),
        ({"columns": ["name"], "locked": 2}, "locked"),
        ({"columns": ["name", "name"], "locked": 1}, "columns"),
        ({"columns": ["nope"], "locked": 0}, "columns"),
        ({"columns": [], "locked": 0}, "columns"),
    ):
        response = _json(staff, "put", "/api/v1/column-settings", body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == field, (body, response.json())
    key = api_for(world.owner_a)  # a key is nobody: it has no columns of its own
    assert _json(key, "put", "/api/v1/column-settings", {"columns": ["name"]}).status_code == 400
