"""The corpus of bad files through the API, as a user uploads them: a refusal is a 400 naming
`file` with the reason; a readable file's bad rows are rejected in the dry run with their
reasons and nothing of them is imported. Never a 500, never a half-imported row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.transfer.bad_files import BAD_FILES, BadFile

pytestmark = pytest.mark.django_db(transaction=True)

# Cases whose limits are smaller than the defaults are about the limits, not the API.
CASES = [case for case in BAD_FILES if case.limits is None]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_file_through_the_api(
    case: BadFile, world: World, api_for: Any, tmp_path: Path
) -> None:
    client = api_for(world.owner_a)
    path = case.make(tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = client.post("/api/v1/imports", {"file": upload}, format="multipart")
    assert response.status_code < 500
    if case.refusal is not None and response.status_code == 201:
        # Met only while reading (an unclosed quote deep in the file): the dry run's job
        # fails with the reason, and nothing can be imported.
        run_id = response.json()["id"]
        assert client.post(f"/api/v1/imports/{run_id}/review").status_code == 202
        run = client.get(f"/api/v1/imports/{run_id}").json()
        assert (run["status"], run["job"]["status"]) == ("uploaded", "failed"), run
        assert case.refusal in run["job"]["message"]
        assert client.post(f"/api/v1/imports/{run_id}/start").status_code == 409
        return
    if case.refusal is not None:
        body = response.json()
        assert response.status_code == 400, body
        assert body["errors"][0]["field"] == "file"
        assert case.refusal in body["detail"]
        return
    assert response.status_code == 201, response.json()
    run_id = response.json()["id"]
    response = client.post(f"/api/v1/imports/{run_id}/review")
    assert response.status_code == 202
    run = client.get(f"/api/v1/imports/{run_id}").json()
    if run["status"] != "reviewed":
        # A refusal met only while reading (deep in the file): the job says why.
        assert run["status"] == "uploaded", run
        assert run["job"]["status"] == "failed"
        assert run["job"]["message"] and "unexpectedly" not in run["job"]["message"]
        return
    rejected = {r["number"]: r["errors"] for r in run["review"]["rejected"]}
    for number, reason in (case.rejected_rows or {}).items():
        assert any(reason in e["message"] for e in rejected[number]), rejected
    if run["review"]["counts"]["created"] + run["review"]["counts"]["updated"] == 0:
        return
    assert client.post(f"/api/v1/imports/{run_id}/start").status_code == 202
    run = client.get(f"/api/v1/imports/{run_id}").json()
    assert run["status"] == "imported", run
    with tenant_scope(world.org_a):
        imported = Customer.objects.filter(source="import").count()
    assert imported == run["counts"]["created"]
