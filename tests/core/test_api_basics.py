from __future__ import annotations

from typing import Any

import pytest

from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_validation_errors_are_400_with_the_field(world: World, api_for: Any) -> None:
    api = api_for(world.owner_a)
    response = api.post(
        "/api/v1/customers", {"first_name": "x" * 101}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == "first_name"
    assert set(body) == {"detail", "code", "errors"}
    nameless = api.post(
        "/api/v1/customers", {"email": "a@example.com"}, content_type="application/json"
    )
    assert nameless.status_code == 400
    assert nameless.json()["errors"][0]["field"] == "last_name"
    bad_json = api.post("/api/v1/customers", "{not json", content_type="application/json")
    assert bad_json.status_code == 400


def test_cursor_pagination_walks_everything_once(world: World, api_for: Any) -> None:
    for n in range(7):
        make_customer(world.org_a, f"P{n}", "Page")
    api = api_for(world.owner_a)
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/v1/customers?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url).json()
        assert page["count"] == 7
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    # Later pages carry the first page's count instead of counting again.
    first = api.get("/api/v1/customers?limit=3").json()
    make_customer(world.org_a, "P7", "Page")
    later = api.get(f"/api/v1/customers?limit=3&cursor={first['next_cursor']}").json()
    assert (first["count"], later["count"]) == (7, 7)
    assert api.get("/api/v1/customers?limit=3").json()["count"] == 8
    whole = api.get("/api/v1/customers?limit=50").json()
    assert whole["count"] == len(whole["items"]) == 8 and whole["next_cursor"] is None
    assert api.get("/api/v1/customers?cursor=garbage").status_code == 400
    assert api.get("/api/v1/customers?limit=501").status_code == 400
    assert api.get("/api/v1/customers?limit=0").status_code == 400


def test_session_api_needs_csrf_for_writes(world: World, client_for: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a.user, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.post(
        "/api/v1/customers",
        {"first_name": "No", "last_name": "Token"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    client.get("/customers/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/customers",
        {"first_name": "With", "last_name": "Token"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201
    with tenant_scope(world.org_a):
        from regulars.audit.models import AuditEntry

        assert (
            AuditEntry.objects.filter(action="customers.customer.created", channel="api").count()
            == 1
        )


def test_openapi_document_and_docs_page(world: World, client_for: Any) -> None:
    from django.test import Client

    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Regulars API"
    assert "/api/v1/customers" in spec["paths"]
    assert Client().get("/api/v1/docs").status_code == 302  # staff only
    docs = client_for(world.staff_a).get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"http://" not in docs.content.replace(b"http://testserver", b"")
    assert b"https://cdn" not in docs.content
