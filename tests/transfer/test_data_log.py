"""The data log: append-only in the database itself, the owners' page and API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from regulars.audit.models import ImmutableEntryError
from regulars.tenancy.access import Channel
from regulars.tenancy.models import Role
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.data_log import datalog_record
from regulars.transfer.models import DataLogEntry, DataLogEvent
from tests.conftest import World, login

pytestmark = pytest.mark.django_db


def entry(world: World, member: Any, event: str, **fields: Any) -> DataLogEntry:
    with tenant_scope(world.org_a):
        return datalog_record(
            org=world.org_a,
            actor=member.actor,
            event=event,
            ip="192.0.2.7",
            description=fields.pop("description", "all customers"),
            **fields,
        )


def test_the_database_refuses_to_change_or_delete_an_entry(world: World) -> None:
    row = entry(world, world.manager_a, DataLogEvent.DENIED, reason="no")
    table = DataLogEntry._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'changed'", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with tenant_scope(world.org_a):
        with pytest.raises(ImmutableEntryError):
            row.save()
        with pytest.raises(ImmutableEntryError):
            row.delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            DataLogEntry.objects.filter(pk=row.pk).update(reason="changed")
        with pytest.raises(DatabaseError), transaction.atomic():
            DataLogEntry.objects.filter(pk=row.pk)._raw_delete(connection.alias)
        assert DataLogEntry.objects.get(pk=row.pk).reason == "no"


def test_owners_filter_the_page_by_person_day_and_event(world: World) -> None:
    entry(world, world.manager_a, DataLogEvent.DENIED, description="Manager refused")
    entry(world, world.staff_a, DataLogEvent.DENIED, description="Staff refused")
    client = login(Client(), world.owner_a)
    page = client.get("/settings/data-log/").content.decode()
    assert "Manager refused" in page and "Staff refused" in page
    assert "192.0.2.7" in page
    by_person = client.get(f"/settings/data-log/?person={world.staff_a.user.pk}")
    assert by_person.status_code == 200
    text = by_person.content.decode()
    assert "Staff refused" in text and "Manager refused" not in text
    today = timezone.localdate()
    tomorrow = (today + timedelta(days=1)).isoformat()
    empty = client.get(f"/settings/data-log/?date_from={tomorrow}").content.decode()
    assert "Nothing recorded for these filters" in empty
    kept = client.get(
        f"/settings/data-log/?date_from={today.isoformat()}&date_to={today.isoformat()}"
    ).content.decode()
    assert "Staff refused" in kept
    assert "Nothing recorded" in client.get("/settings/data-log/?event=exported").content.decode()
    bad = client.get(f"/settings/data-log/?date_from={tomorrow}&date_to={today.isoformat()}")
    assert bad.status_code == 400
    assert "swap the dates" in bad.content.decode()


def test_only_owners_see_the_data_log(world: World, api_for: Any) -> None:
    entry(world, world.manager_a, DataLogEvent.DENIED)
    manager = login(Client(), world.manager_a)
    assert manager.get("/settings/data-log/").status_code == 403
    assert 'href="/settings/data-log/"' not in manager.get("/customers/").content.decode()
    assert 'href="/settings/data-log/"' in (
        login(Client(), world.owner_a).get("/customers/").content.decode()
    )
    assert api_for(world.owner_a, Role.MANAGER).get("/api/v1/data-log").status_code == 403


def test_the_api_lists_and_filters_entries(world: World, api_for: Any) -> None:
    entry(world, world.manager_a, DataLogEvent.DENIED, description="first")
    entry(world, world.staff_a, DataLogEvent.DENIED, description="second")
    client = api_for(world.owner_a)
    listed = client.get("/api/v1/data-log").json()
    assert listed["count"] == 2
    assert [e["description"] for e in listed["items"]] == ["second", "first"]
    assert listed["items"][0]["ip"] == "192.0.2.7"
    assert listed["items"][0]["channel"] == Channel.PAGE
    mine = client.get(f"/api/v1/data-log?user_id={world.staff_a.user.pk}").json()
    assert [e["description"] for e in mine["items"]] == ["second"]
    today = timezone.localdate().isoformat()
    assert client.get(f"/api/v1/data-log?date_from={today}").json()["count"] == 2
    bad = client.get("/api/v1/data-log?date_from=yesterday")
    assert bad.status_code in (400, 422)
    assert "date_from" in bad.content.decode()
    assert api_for(world.owner_b).get("/api/v1/data-log").json()["count"] == 0
