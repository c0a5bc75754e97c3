"""Exports through the API: every scope, the data log's one entry per export, refusals,
someone else's export, expiry, and the link email in a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from regulars.customers.account_numbers import account_numbers_allocate
from regulars.customers.models import Customer
from regulars.customers.search import TIER_LIMIT, search_fields
from regulars.jobs.runner import execute_job
from regulars.lists.list_state import saved_view_create
from regulars.tenancy.models import Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.export_expiry import exports_settle
from regulars.transfer.export_files import Written
from regulars.transfer.exports import ExportAsk, export_failed, export_finish, export_request
from regulars.transfer.models import DataLogEvent, ExportRun
from tests.conftest import Mailbox, World, login
from tests.transfer.export_helpers import (
    content_of,
    csv_rows,
    log_entries,
    sha256,
    the_one_entry_of,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db(transaction=True)


def export(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/exports", body, content_type="application/json")
    assert response.status_code == 202, response.content
    run = client.get(f"/api/v1/exports/{response.json()['id']}").json()
    assert run["status"] == "ready", run
    return run


def download(client: Client, run: dict[str, Any]) -> bytes:
    response = client.get(run["download_url"])
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    return content_of(response)


def test_a_filtered_list_exports_to_csv_with_one_log_entry_matching_the_file(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    client = api_for(world.owner_a)
    run = export(client, {"query": "city=Leeds&sort=-name", "columns": ["name", "email", "city"]})
    content = download(client, run)
    rows = csv_rows(content)
    assert rows == [
        ["Name", "Email", "City"],
        ["Cat Cole", "cat@a.test", "Leeds"],
        ["Ann Archer", "ann@a.test", "Leeds"],
    ]
    exported = log_entries(world.org_a, event=DataLogEvent.EXPORTED)
    assert len(exported) == 1
    entry = exported[0]
    assert entry.export_id == run["id"]
    assert entry.sha256 == sha256(content) == run["sha256"]
    assert entry.row_count == len(rows) - 1 == run["row_count"]
    assert entry.columns == ["Name", "Email", "City"]
    assert entry.format == "csv"
    assert entry.channel == "api"
    assert entry.ip == "127.0.0.1"
    assert "City is Leeds" in entry.description or "Leeds" in entry.description
    downloads = log_entries(world.org_a, event=DataLogEvent.DOWNLOADED)
    assert [(d.export_id, d.actor_user_id) for d in downloads] == [(run["id"], None)]
    assert the_one_entry_of(world.org_a, run["id"], content, 2) == entry


def test_a_saved_view_exports_its_query_and_columns_to_xlsx(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    with tenant_scope(world.org_a):
        view = saved_view_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"name": "York folk", "query": "city=York", "columns": ["last_name", "city"]},
        )
    client = login(Client(), world.owner_a)
    run = export(client, {"scope": "view", "view_id": view.pk, "format": "xlsx"})
    assert run["columns"] == ["last_name", "city"]
    assert "York folk" in run["description"]
    content = download(client, run)
    assert xlsx_rows(content) == [["Last name", "City"], ["Baker", "York"]]
    [entry] = log_entries(world.org_a, event=DataLogEvent.EXPORTED)
    assert (entry.sha256, entry.row_count, entry.format) == (sha256(content), 1, "xlsx")
    assert the_one_entry_of(world.org_a, run["id"], content, 1) == entry


def test_a_selection_and_everyone_export(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    client = api_for(world.owner_a, Role.MANAGER)
    chosen = [people["bob"].pk, people["ann"].pk]
    run = export(client, {"scope": "selection", "ids": chosen, "columns": ["email"]})
    assert csv_rows(download(client, run)) == [["Email"], ["ann@a.test"], ["bob@a.test"]]
    everyone = export(client, {"scope": "all", "columns": ["email"]})
    emails = [r[0] for r in csv_rows(download(client, everyone))[1:]]
    assert sorted(emails) == ["ann@a.test", "bob@a.test", "cat@a.test"]  # not org B's Olga
    assert len(log_entries(world.org_a, event=DataLogEvent.EXPORTED)) == 2


def test_staff_are_refused_on_every_export_operation_and_each_refusal_is_logged(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    owner = api_for(world.owner_a)
    run = export(owner, {"columns": ["email"]})
    staff = api_for(world.owner_a, Role.STAFF)
    calls = [
        staff.get("/api/v1/exports"),
        staff.get(f"/api/v1/exports/{run['id']}"),
        staff.post("/api/v1/exports", {"scope": "all"}, content_type="application/json"),
        staff.get("/api/v1/exports/columns"),
        staff.get(f"/api/v1/exports/{run['id']}/download"),
    ]
    assert [c.status_code for c in calls] == [403] * 5
    assert all(c.json()["code"] == "forbidden" for c in calls)
    denied = log_entries(world.org_a, event=DataLogEvent.DENIED)
    assert len(denied) == 5
    assert all(d.channel == "api" and d.ip == "127.0.0.1" for d in denied)
    assert all("owners and managers" in d.reason for d in denied)
    with tenant_scope(world.org_a):
        assert ExportRun.objects.count() == 1  # nothing was made for the refused request


def test_another_persons_export_is_404_and_an_expired_one_410(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    owner = api_for(world.owner_a)
    run = export(owner, {"columns": ["email"]})
    manager = login(Client(), world.manager_a)
    assert manager.get(f"/api/v1/exports/{run['id']}").status_code == 404
    assert manager.get(f"/api/v1/exports/{run['id']}/download").status_code == 404
    assert [r["id"] for r in manager.get("/api/v1/exports").json()["items"]] == []
    with tenant_scope(world.org_a):
        stored = ExportRun.objects.get(pk=run["id"])
        assert default_storage.exists(stored.file.name)
        ExportRun.objects.filter(pk=run["id"]).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = owner.get(f"/api/v1/exports/{run['id']}/download")
    assert response.status_code == 410
    assert response.json()["code"] == "gone"
    assert not default_storage.exists(stored.file.name)
    assert owner.get(f"/api/v1/exports/{run['id']}").json()["status"] == "expired"
    assert len(log_entries(world.org_a, event=DataLogEvent.DOWNLOADED)) == 0


def test_the_link_email_arrives_and_the_link_works_only_for_the_requester(
    world: World, people: dict[str, Any], smtp_server: Mailbox, settings: Any
) -> None:
    settings.SITE_URL = "http://regulars.test"
    client = login(Client(), world.manager_a)
    run = export(client, {"columns": ["name"], "format": "xlsx"})
    [message] = smtp_server.messages
    assert message["To"] == "manager-a@example.test"
    body = smtp_server.body(message)
    link = re.search(r"http://regulars\.test(/exports/[\w-]+/)", body)
    assert link is not None, body
    assert link.group(1) == run["link"].removeprefix("http://regulars.test")
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert xlsx_rows(content_of(response))[0] == ["Name"]
    someone_else = login(Client(), world.owner_a)
    assert someone_else.get(link.group(1)).status_code == 404


def test_bad_requests_name_the_field(world: World, api_for: Any) -> None:
    client = api_for(world.owner_a)
    cases = [
        ({"columns": ["nope"]}, "columns"),
        ({"columns": []}, "columns"),
        ({"query": "created_from=yesterday"}, "query"),
        ({"scope": "view"}, "view_id"),
        ({"scope": "selection"}, "selection_id"),
        ({"format": "pdf"}, "format"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/exports", body, content_type="application/json")
        assert response.status_code in (400, 422), (body, response.status_code)
        assert field in response.content.decode(), (body, response.content)
    with tenant_scope(world.org_a):
        assert ExportRun.objects.count() == 0


def test_links_live_for_the_organizations_hours_then_the_file_is_deleted(
    world: World, people: dict[str, Any], api_for: Any
) -> None:
    client = api_for(world.owner_a)
    for bad in (0, 721, "x"):
        response = client.patch(
            "/api/v1/organization", {"export_link_hours": bad}, content_type="application/json"
        )
        assert response.status_code in (400, 422), bad
        assert "export_link_hours" in response.content.decode()
    response = client.patch(
        "/api/v1/organization", {"export_link_hours": 2}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["export_link_hours"] == 2
    run = export(client, {"columns": ["email"]})
    with tenant_scope(world.org_a):
        stored = ExportRun.objects.get(pk=run["id"])
    assert stored.ready_at is not None and stored.expires_at is not None
    assert stored.expires_at - stored.ready_at == timedelta(hours=2)
    assert exports_settle(now=stored.ready_at + timedelta(hours=1)) == {"expired": 0, "failed": 0}
    assert default_storage.exists(stored.file.name)
    later = stored.ready_at + timedelta(hours=2, seconds=1)
    assert exports_settle(now=later) == {"expired": 1, "failed": 0}
    assert not default_storage.exists(stored.file.name)
    assert client.get(f"/api/v1/exports/{run['id']}").json()["status"] == "expired"
    assert client.get(f"/api/v1/exports/{run['id']}/download").status_code == 410


def test_an_export_whose_job_is_refused_is_failed_and_logged_once(
    world: World, people: dict[str, Any]
) -> None:
    org = world.org_a
    with tenant_scope(org):
        run = export_request(
            org=org,
            actor=world.manager_a.actor,
            ask=ExportAsk("all", "csv", columns=["email"]),
            ip="192.0.2.1",
            enqueue=False,
        )
        StaffMembership.objects.filter(pk=world.manager_a.membership.pk).update(role=Role.STAFF)
    assert run.job is not None
    assert execute_job(run.job.pk) == "failed"  # the requester may no longer export
    with tenant_scope(org):
        run = ExportRun.objects.select_related("job").get(pk=run.pk)
    assert run.status == "preparing"
    assert run.shown_status == "failed"  # the pages say so before the scheduler settles it
    assert exports_settle() == {"expired": 0, "failed": 1}
    assert exports_settle() == {"expired": 0, "failed": 0}
    [failed] = log_entries(org, event=DataLogEvent.FAILED)
    assert failed.actor_user_id == world.manager_a.user.pk
    assert "no longer" in failed.reason
    assert [e.event for e in log_entries(org, export_id=run.pk)] == ["requested", "failed"]


def test_an_export_is_settled_once_whoever_finishes_it(
    world: World, people: dict[str, Any]
) -> None:
    """Two attempts of one job (the reaper re-queued a slow one): the first to settle wins,
    the other writes nothing to the export or the log."""
    org = world.org_a
    with tenant_scope(org):
        run = export_request(
            org=org,
            actor=world.owner_a.actor,
            ask=ExportAsk("all", "csv", columns=["email"]),
            ip=None,
            enqueue=False,
        )
        first = Written(rows=3, size=10, sha256="a" * 64)
        second = Written(rows=3, size=11, sha256="b" * 64)
        actor = world.owner_a.actor
        assert export_finish(
            run=run, actor=actor, name="exports/x-1.csv", written=first, still_mine=lambda: None
        )
        stale = ExportRun.objects.get(pk=run.pk)
        stale.status = "preparing"
        assert not export_finish(
            run=stale, actor=actor, name="exports/x-2.csv", written=second, still_mine=lambda: None
        )
        assert not export_failed(run=stale, actor=actor, reason="late")
        assert ExportRun.objects.get(pk=run.pk).sha256 == "a" * 64
    assert [(e.event, e.sha256) for e in log_entries(org, export_id=run.pk)] == [
        ("requested", ""),
        ("exported", "a" * 64),
    ]


def test_a_search_that_a_list_would_cut_short_is_refused_by_name(
    world: World, api_for: Any
) -> None:
    org = world.org_a
    with tenant_scope(org):
        numbers = account_numbers_allocate(org=org, count=TIER_LIMIT + 1)
        Customer.objects.bulk_create(
            Customer(
                organization=org,
                first_name=f"P{n}",
                last_name="Smith",
                account_number=numbers[n],
                **search_fields({"first_name": f"P{n}", "last_name": "Smith", "email": ""}),
            )
            for n in range(TIER_LIMIT + 1)
        )
    client = api_for(world.owner_a)
    response = client.post(
        "/api/v1/exports",
        {"query": "q=smith", "columns": ["name"]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "query"
    assert "Narrow it with filters" in response.json()["detail"]
    everyone = export(client, {"query": "sort=name", "columns": ["name"], "scope": "all"})
    assert everyone["row_count"] == TIER_LIMIT + 1
