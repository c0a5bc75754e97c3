"""The import through the API: upload, mapping, dry run, import, rejected rows, undo."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def upload(client: Client, name: str, content: bytes) -> Any:
    return client.post(
        "/api/v1/imports", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def test_a_csv_is_checked_then_imported_with_rejections_and_repeats(
    world: World, api_for: Any
) -> None:
    make_customer(world.org_a, "Ann", "Old", email="ann@example.com")
    client = api_for(world.owner_a)
    content = _csv(
        [
            ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "DOB", "Tags"],
            ["Ann", "Newname", "ann@example.com", "", "", ""],
            ["Bob", "Brown", "bob@example.com", "+44 7700 900123", "1985-03-02", "VIP"],
            ["Cat", "Cole", "not-an-email", "", "", ""],
            ["Bob", "Again", "BOB@example.com", "", "", ""],
            ["Dan", "Day", "dan@example.com", "", "31/02/1990", ""],
        ]
    )
    response = upload(client, "people.csv", content)
    assert response.status_code == 201, response.json()
    run = response.json()
    targets = [c["target"] for c in run["columns"]]
    assert targets == [
        "first_name",
        "last_name",
        "email",
        "phone_mobile",
        "date_of_birth",
        "categories",
    ]
    assert run["match_keys"] == ["email", "phone"]
    response = client.patch(
        f"/api/v1/imports/{run['id']}",
        {"options": {"create_categories": True}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    response = client.post(f"/api/v1/imports/{run['id']}/review")
    assert response.status_code == 202, response.json()
    run = client.get(f"/api/v1/imports/{run['id']}").json()
    assert run["status"] == "reviewed", run
    assert run["review"]["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 3}
    reasons = {r["number"]: r["errors"] for r in run["review"]["rejected"]}
    assert reasons[4][0]["column"] == "E-mail Address"
    assert "Repeats row 3" in reasons[5][0]["message"]
    assert reasons[6][0]["column"] == "DOB"
    assert "31/02/1990" in reasons[6][0]["message"]
    response = client.post(f"/api/v1/imports/{run['id']}/start")
    assert response.status_code == 202, response.json()
    run = client.get(f"/api/v1/imports/{run['id']}").json()
    assert run["status"] == "imported", run
    assert run["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 3}
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").last_name == "Newname"
        bob = Customer.objects.get(email="bob@example.com")
        assert bob.phone_mobile.startswith("+")
        assert [c.name for c in bob.categories.all()] == ["VIP"]
    rejected = client.get(f"/api/v1/imports/{run['id']}/rejected.csv")
    assert rejected.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert lines[0][-1] == "error"
    assert [line[0] for line in lines[1:]] == ["Cat", "Bob", "Dan"]
    response = client.post(f"/api/v1/imports/{run['id']}/undo")
    assert response.status_code == 202, response.json()
    run = client.get(f"/api/v1/imports/{run['id']}").json()
    assert run["status"] == "undone", run
    with tenant_scope(world.org_a):
        assert Customer.objects.get(email="ann@example.com").last_name == "Old"
        assert (
            Customer.objects.filter(email="bob@example.com", deleted_at__isnull=True).count() == 0
        )
