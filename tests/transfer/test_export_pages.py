"""Exports from the pages (the list, ticked rows, a saved view, everyone) and the command
line: one data-log entry per export matching the file served, refusals logged, the link
for its requester only, expiry."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from regulars.lists.list_state import saved_view_create
from regulars.lists.services import selection_from_ids
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.models import DataLogEvent, ExportRun, ExportStatus
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


def latest(world: World) -> ExportRun:
    with tenant_scope(world.org_a):
        run = ExportRun.objects.order_by("-id").first()
    assert run is not None
    return run


def fetch(client: Client, run: ExportRun) -> bytes:
    response = client.get(f"/exports/{run.token}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return content_of(response)


def test_the_list_page_exports_its_filter_with_the_chosen_columns(
    world: World, people: dict[str, Any], smtp_server: Mailbox
) -> None:
    client = login(Client(), world.manager_a)
    listing = client.get("/customers/?city=Leeds").content.decode()
    assert 'href="/exports/new/?city=Leeds"' in listing
    form = client.get("/exports/new/?city=Leeds")
    assert form.status_code == 200
    page = form.content.decode()
    assert "2 customers" in page
    response = client.post(
        "/exports/new/",
        {"query": "city=Leeds", "go": "1", "format": "csv", "columns": ["email", "name"]},
    )
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    run = latest(world)
    assert run.status == ExportStatus.READY
    assert run.columns == ["name", "email"]  # the page's order, not the order ticked
    mine = client.get("/exports/").content.decode()
    assert f"/exports/{run.token}/" in mine
    assert "Ready" in mine
    content = fetch(client, run)
    assert csv_rows(content) == [
        ["Name", "Email"],
        ["Ann Archer", "ann@a.test"],
        ["Cat Cole", "cat@a.test"],
    ]
    [entry] = log_entries(world.org_a, event=DataLogEvent.EXPORTED)
    assert (entry.sha256, entry.row_count, entry.channel) == (sha256(content), 2, "page")
    [download] = log_entries(world.org_a, event=DataLogEvent.DOWNLOADED)
    assert (download.export_id, download.actor_user_id) == (run.pk, world.manager_a.user.pk)
    assert the_one_entry_of(world.org_a, run.pk, content, 2) == entry
    assert len(smtp_server.messages) == 1
    assert run.token in smtp_server.body(smtp_server.messages[0])


def test_ticked_rows_a_saved_view_and_everyone_export_from_the_pages(
    world: World, people: dict[str, Any]
) -> None:
    client = login(Client(), world.owner_a)
    ticked = client.post(
        "/exports/new/", {"ids": [people["bob"].pk], "query": "", "action": "deactivate"}
    )
    assert ticked.status_code == 200
    assert "1 customer" in ticked.content.decode()
    client.post(
        "/exports/new/",
        {"ids": [people["bob"].pk], "go": "1", "format": "xlsx", "columns": ["last_name"]},
    )
    assert xlsx_rows(fetch(client, latest(world))) == [["Last name"], ["Baker"]]
    with tenant_scope(world.org_a):
        view = saved_view_create(
            org=world.org_a,
            actor=world.owner_a.actor,
            data={"name": "Leeds", "query": "city=Leeds", "columns": ["first_name"]},
        )
    assert "Leeds" in client.get(f"/exports/new/?view={view.pk}").content.decode()
    client.post(
        "/exports/new/",
        {"view": view.pk, "go": "1", "format": "csv", "columns": ["first_name"]},
    )
    assert csv_rows(fetch(client, latest(world))) == [["First name"], ["Ann"], ["Cat"]]
    client.post(
        "/exports/new/", {"scope": "all", "go": "1", "format": "csv", "columns": ["first_name"]}
    )
    assert len(csv_rows(fetch(client, latest(world)))) == 4
    assert len(log_entries(world.org_a, event=DataLogEvent.EXPORTED)) == 3


def test_a_form_without_columns_says_so_and_exports_nothing(
    world: World, people: dict[str, Any]
) -> None:
    client = login(Client(), world.owner_a)
    response = client.post("/exports/new/", {"scope": "all", "go": "1", "format": "csv"})
    assert response.status_code == 400
    assert "Tick at least one column." in response.content.decode()
    with tenant_scope(world.org_a):
        assert ExportRun.objects.count() == 0


def test_staff_are_refused_on_every_export_page_and_each_refusal_is_logged(
    world: World, people: dict[str, Any]
) -> None:
    owner = login(Client(), world.owner_a)
    owner.post("/exports/new/", {"scope": "all", "go": "1", "format": "csv", "columns": ["name"]})
    run = latest(world)
    staff = login(Client(), world.staff_a)
    answers = [
        staff.get("/exports/").status_code,
        staff.get(f"/exports/{run.pk}/row/").status_code,
        staff.get("/exports/new/?city=Leeds").status_code,
        staff.post(
            "/exports/new/", {"scope": "all", "go": "1", "format": "csv", "columns": ["name"]}
        ).status_code,
        staff.get(f"/exports/{run.token}/").status_code,
    ]
    assert answers == [403] * 5
    denied = log_entries(world.org_a, event=DataLogEvent.DENIED)
    assert [(d.actor_user_id, d.channel) for d in denied] == [(world.staff_a.user.pk, "page")] * 5
    assert "Export" not in staff.get("/customers/").content.decode().split("<main")[-1][:2000]
    with tenant_scope(world.org_a):
        assert ExportRun.objects.count() == 1


def test_the_link_is_404_for_someone_else_and_410_once_expired(
    world: World, people: dict[str, Any]
) -> None:
    owner = login(Client(), world.owner_a)
    owner.post("/exports/new/", {"scope": "all", "go": "1", "format": "csv", "columns": ["name"]})
    run = latest(world)
    manager = login(Client(), world.manager_a)
    assert manager.get(f"/exports/{run.token}/").status_code == 404
    assert manager.get(f"/exports/{run.pk}/row/").status_code == 404
    assert run.token not in manager.get("/exports/").content.decode()
    with tenant_scope(world.org_a):
        ExportRun.objects.filter(pk=run.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = owner.get(f"/exports/{run.token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Expired" in owner.get("/exports/").content.decode()
    assert log_entries(world.org_a, event=DataLogEvent.DOWNLOADED) == []


def test_the_command_line_exports_a_filter_a_view_and_everyone(
    world: World, people: dict[str, Any], tmp_path: Path
) -> None:
    out = io.StringIO()
    target = tmp_path / "leeds.csv"
    call_command(
        "export",
        org=world.org_a.slug,
        actor=world.manager_a.user.email,
        format="csv",
        output=str(target),
        query="city=Leeds",
        columns="name,city",
        stdout=out,
    )
    content = target.read_bytes()
    assert csv_rows(content) == [["Name", "City"], ["Ann Archer", "Leeds"], ["Cat Cole", "Leeds"]]
    assert sha256(content) in out.getvalue()
    [entry] = log_entries(world.org_a, event=DataLogEvent.EXPORTED)
    assert (entry.sha256, entry.row_count, entry.channel) == (sha256(content), 2, "cli")
    [download] = log_entries(world.org_a, event=DataLogEvent.DOWNLOADED)
    assert download.export_id == entry.export_id
    assert entry.export_id is not None
    assert the_one_entry_of(world.org_a, entry.export_id, content, 2) == entry
    with tenant_scope(world.org_a):
        saved_view_create(
            org=world.org_a,
            actor=world.manager_a.actor,
            data={"name": "York", "query": "city=York", "columns": ["email"]},
        )
    call_command(
        "export",
        org=world.org_a.slug,
        actor=world.manager_a.user.email,
        format="xlsx",
        output=str(tmp_path / "york.xlsx"),
        view="York",
        stdout=io.StringIO(),
    )
    assert xlsx_rows((tmp_path / "york.xlsx").read_bytes()) == [["Email"], ["bob@a.test"]]
    call_command(
        "export",
        org=world.org_a.slug,
        actor=world.manager_a.user.email,
        format="csv",
        output=str(tmp_path / "all.csv"),
        all=True,
        filter=["status=all"],
        stdout=io.StringIO(),
    )
    assert len(csv_rows((tmp_path / "all.csv").read_bytes())) == 4
    with tenant_scope(world.org_a):
        chosen = selection_from_ids(
            org=world.org_a, actor=world.manager_a.actor, ids=[people["cat"].pk, people["ann"].pk]
        )
    call_command(
        "export",
        org=world.org_a.slug,
        actor=world.manager_a.user.email,
        format="csv",
        output=str(tmp_path / "chosen.csv"),
        selection=chosen.pk,
        columns="first_name",
        stdout=io.StringIO(),
    )
    assert csv_rows((tmp_path / "chosen.csv").read_bytes()) == [["First name"], ["Ann"], ["Cat"]]
    assert len(log_entries(world.org_a, event=DataLogEvent.EXPORTED)) == 4


def test_the_command_line_refuses_staff_and_logs_it(
    world: World, people: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="owners and managers"):
        call_command(
            "export",
            org=world.org_a.slug,
            actor=world.staff_a.user.email,
            format="csv",
            output=str(tmp_path / "x.csv"),
            all=True,
        )
    assert not (tmp_path / "x.csv").exists()
    [denied] = log_entries(world.org_a, event=DataLogEvent.DENIED)
    assert (denied.actor_user_id, denied.channel) == (world.staff_a.user.pk, "cli")
    with pytest.raises(CommandError, match="--filter 'city'"):
        call_command(
            "export",
            org=world.org_a.slug,
            actor=world.owner_a.user.email,
            format="csv",
            output=str(tmp_path / "y.csv"),
            filter=["city"],
        )


def test_a_link_shows_the_form_but_only_a_post_exports(
    world: World, people: dict[str, Any]
) -> None:
    client = login(Client(), world.owner_a)
    response = client.get("/exports/new/?go=1&scope=all&format=csv&columns=name")
    assert response.status_code == 200
    assert "Export customers" in response.content.decode()
    with tenant_scope(world.org_a):
        assert ExportRun.objects.count() == 0
    assert log_entries(world.org_a) == []
