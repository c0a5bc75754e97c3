from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from regulars.accounts.models import ApiKey
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_key_is_shown_once_stored_hashed_and_revocable(world: World, client_for: Any) -> None:
    owner: Client = client_for(world.owner_a)
    page = owner.post("/settings/api-keys/", {"name": "Till 1", "role": "staff"})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key.startswith("rg_")
    assert key.encode() in page.content
    with tenant_scope(world.org_a):
        row = ApiKey.objects.get(name="Till 1")
    assert key not in str(ApiKey.unscoped.filter(pk=row.pk).values().first())
    assert key.encode() not in owner.get("/settings/api-keys/").content  # never shown again

    api = Client(headers={"Authorization": f"Bearer {key}"})
    me = api.get("/api/v1/me").json()
    assert (me["organization_slug"], me["role"], me["channel"]) == (
        world.org_a.slug,
        "staff",
        "api",
    )
    created = api.post(
        "/api/v1/customers",
        {"first_name": "Via", "last_name": "Key"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert api.delete(f"/api/v1/customers/{created.json()['id']}").status_code == 403

    assert owner.post(f"/settings/api-keys/{row.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/me").status_code == 401


def test_wrong_and_malformed_keys_are_401(world: World) -> None:
    for header in (
        "Bearer rg_000000000000_nope",
        "Bearer nonsense",
        "Bearer " + "x" * 500,
        "Basic abc",
    ):
        response = Client(headers={"Authorization": header}).get("/api/v1/me")
        assert response.status_code == 401, header
        assert response.json()["code"] == "not_authenticated"


def test_only_owners_manage_keys(world: World, client_for: Any, api_for: Any) -> None:
    assert client_for(world.manager_a).get("/settings/api-keys/").status_code == 403
    response = api_for(world.owner_a, "manager").post(
        "/api/v1/api-keys", {"name": "x", "role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 403
    created = api_for(world.owner_a).post(
        "/api/v1/api-keys", {"name": "x", "role": "readonly"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["key"].startswith("rg_")
