from __future__ import annotations

from typing import Any

import pytest

from regulars.audit.models import AuditEntry, ImmutableEntryError
from regulars.audit.services import audit_record
from regulars.customers.services import customer_create, customer_update
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_writes_record_who_what_and_old_to_new(world: World) -> None:
    with tenant_scope(world.org_a):
        customer = customer_create(
            org=world.org_a,
            actor=world.staff_a.actor,
            data={"first_name": "Ann", "last_name": "Lee"},
        )
        customer_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            customer_id=customer.pk,
            data={"last_name": "Leigh"},
            expected_version=1,
        )
        entry = AuditEntry.objects.filter(action="customers.customer.updated").get()
    assert entry.actor_user == world.staff_a.user
    assert entry.channel == "page"
    assert entry.customer_id == customer.pk
    assert entry.changes == {"last_name": {"old": "Lee", "new": "Leigh"}}


def test_secrets_are_masked(world: World) -> None:
    with tenant_scope(world.org_a):
        entry = audit_record(
            org=world.org_a,
            actor=world.owner_a.actor,
            action="test.secret",
            changes={"password": ("old-pass", "new-pass"), "api_key": "rg_x", "name": ("a", "b")},
        )
    assert entry.changes["password"] == {"old": "••••", "new": "••••"}
    assert entry.changes["api_key"] == "••••"
    assert entry.changes["name"] == {"old": "a", "new": "b"}
    assert "new-pass" not in str(entry.changes)


def test_entries_cannot_be_changed_or_deleted(world: World) -> None:
    with tenant_scope(world.org_a):
        entry = audit_record(org=world.org_a, actor=world.owner_a.actor, action="test.x")
        entry.action = "test.y"
        with pytest.raises(ImmutableEntryError):
            entry.save()
        with pytest.raises(ImmutableEntryError):
            entry.delete()


def test_a_failed_write_leaves_no_entry(world: World) -> None:
    from regulars.core.errors import DomainError

    with tenant_scope(world.org_a):
        before = AuditEntry.objects.count()
        with pytest.raises(DomainError):
            customer_create(org=world.org_a, actor=world.staff_a.actor, data={"email": "x@y.z"})
        assert AuditEntry.objects.count() == before


def test_audit_page_and_api_are_for_managers(world: World, client_for: Any, api_for: Any) -> None:
    assert client_for(world.manager_a).get("/settings/audit/").status_code == 200
    assert client_for(world.staff_a).get("/settings/audit/").status_code == 403
    assert api_for(world.owner_a).get("/api/v1/audit-entries").status_code == 200
    assert api_for(world.owner_a, "staff").get("/api/v1/audit-entries").status_code == 403


def test_location_limited_managers_do_not_see_the_audit_log(world: World, client_for: Any) -> None:
    from regulars.tenancy.models import Role
    from tests.factories import make_member

    limited = make_member(
        world.org_a, Role.MANAGER, email="lm@example.test", locations=[world.loc_a1]
    )
    client = client_for(limited)
    assert client.get("/settings/audit/").status_code == 403
    assert b"Audit log" not in client.get("/customers/").content
    assert client.get("/api/v1/audit-entries").status_code == 403
