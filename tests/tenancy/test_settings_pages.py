from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from regulars.accounts.models import User
from regulars.tenancy.models import Location, Organization, Role, StaffMembership
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_first_run_creates_owner_and_organization(db: None, client: Client) -> None:
    assert client.get("/").url == "/setup/"
    bad = client.post(
        "/setup/",
        {
            "org_name": "Shop",
            "time_zone": "UTC",
            "country": "GB",
            "currency": "GBP",
            "name": "Ann",
            "email": "not-an-email",
            "password": "x",
            "password2": "y",
        },
    )
    assert bad.status_code == 200
    assert b"Enter a valid email address" in bad.content
    assert b'value="Shop"' in bad.content
    done = client.post(
        "/setup/",
        {
            "org_name": "Corner Shop",
            "time_zone": "Europe/London",
            "country": "GB",
            "currency": "GBP",
            "name": "Ann",
            "email": "ann@example.test",
            "password": "a long password here",
            "password2": "a long password here",
        },
    )
    assert done.url == "/accounts/2fa/setup/"
    org = Organization.objects.get()
    assert (org.name, org.slug, org.country) == ("Corner Shop", "corner-shop", "GB")
    with tenant_scope(org):
        assert StaffMembership.objects.get().role == Role.OWNER
    assert User.objects.get().email == "ann@example.test"
    assert Client().get("/setup/").status_code == 302  # closed once an organization exists


def test_organization_settings_keep_input_and_name_the_field(
    world: World, client_for: Any, api_for: Any
) -> None:
    owner = client_for(world.owner_a)
    page = owner.post(
        "/settings/",
        {
            "name": "Alpha Hair & Nails",
            "time_zone": "Mars/Base",
            "country": "GB",
            "currency": "GBP",
        },
    )
    assert page.status_code == 200
    assert b"Select a valid choice" in page.content
    assert b"Alpha Hair &amp; Nails" in page.content
    response = api_for(world.owner_a).patch(
        "/api/v1/organization", {"time_zone": "Mars/Base"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "time_zone"
    ok = owner.post(
        "/settings/",
        {
            "name": "Alpha Hair & Nails",
            "time_zone": "Europe/Dublin",
            "country": "ie",
            "currency": "eur",
            "export_link_hours": "48",
        },
    )
    assert ok.status_code == 302
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.country, world.org_a.currency) == (
        "Alpha Hair & Nails",
        "IE",
        "EUR",
    )
    assert client_for(world.manager_a).get("/settings/").status_code == 403


def test_locations_crud_with_clear_errors(world: World, client_for: Any, api_for: Any) -> None:
    owner = client_for(world.owner_a)
    dup = owner.post("/settings/locations/new/", {"name": "alpha north", "time_zone": ""})
    assert dup.status_code == 200
    assert b"already exists" in dup.content
    assert (
        owner.post("/settings/locations/new/", {"name": "Alpha East", "time_zone": ""}).status_code
        == 302
    )
    api = api_for(world.owner_a)
    dup_api = api.post("/api/v1/locations", {"name": "Alpha East"}, content_type="application/json")
    assert dup_api.status_code == 400
    assert dup_api.json()["errors"] == [
        {"field": "name", "message": "A location named 'Alpha East' already exists."}
    ]
    with tenant_scope(world.org_a):
        east = Location.objects.get(name="Alpha East")
    assert owner.post(f"/settings/locations/{east.pk}/delete/").status_code == 302
    with tenant_scope(world.org_a):
        assert not Location.objects.filter(name="Alpha East").exists()
    assert client_for(world.manager_a).get("/settings/locations/new/").status_code == 403


def test_the_last_owner_stays(world: World, api_for: Any) -> None:
    api = api_for(world.owner_a)
    response = api.patch(
        f"/api/v1/staff/{world.owner_a.membership.pk}",
        {"role": "manager"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "role"
    promoted = api.patch(
        f"/api/v1/staff/{world.manager_a.membership.pk}",
        {"role": "owner"},
        content_type="application/json",
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "owner"
    limited = api.patch(
        f"/api/v1/staff/{world.staff_a.membership.pk}",
        {"all_locations": False, "location_ids": [world.loc_a1.pk, world.loc_a1.pk]},
        content_type="application/json",
    )
    assert limited.json()["location_ids"] == [world.loc_a1.pk]
    assert (
        api.patch(
            f"/api/v1/staff/{world.owner_a.membership.pk}",
            {"role": "manager"},
            content_type="application/json",
        ).status_code
        == 200
    )


def test_staff_pages_list_members_and_pending_invitations(world: World, client_for: Any) -> None:
    page = client_for(world.owner_a).get("/settings/staff/").content.decode()
    for email in ("manager-a@example.test", "staff-a@example.test", "limited-a@example.test"):
        assert email in page
    assert "Pending invitations" in page
    edit = client_for(world.owner_a).post(
        f"/settings/staff/{world.staff_a.membership.pk}/",
        {"role": "readonly", "locations": [world.loc_a2.pk], "is_active": "on"},
    )
    assert edit.status_code == 302
    with tenant_scope(world.org_a):
        membership = StaffMembership.objects.get(pk=world.staff_a.membership.pk)
        assert membership.role == Role.READONLY
        assert not membership.all_locations
        assert [loc.pk for loc in membership.locations.all()] == [world.loc_a2.pk]


def test_switching_with_a_huge_or_bad_id_is_404(world: World, client_for: Any) -> None:
    client = client_for(world.staff_a)
    for value in ("9" * 30, "-1", "abc", ""):
        assert client.post("/settings/switch/", {"organization": value}).status_code == 404


def test_owners_work_across_all_locations(world: World, api_for: Any, client_for: Any) -> None:
    api = api_for(world.owner_a)
    limited_owner = api.patch(
        f"/api/v1/staff/{world.owner_a.membership.pk}",
        {"all_locations": False, "location_ids": [world.loc_a1.pk]},
        content_type="application/json",
    )
    assert limited_owner.status_code == 400
    assert limited_owner.json()["errors"][0]["field"] == "all_locations"
    invite = api.post(
        "/api/v1/invitations",
        {
            "email": "o@example.test",
            "role": "owner",
            "all_locations": False,
            "location_ids": [world.loc_a1.pk],
        },
        content_type="application/json",
    )
    assert invite.status_code == 400
    assert client_for(world.owner_a).get("/settings/").status_code == 200  # rights intact


def test_a_member_whose_locations_are_gone_can_still_be_deactivated(
    world: World, api_for: Any
) -> None:
    api = api_for(world.owner_a)
    assert api.delete(f"/api/v1/locations/{world.loc_a1.pk}").status_code == 204
    response = api.patch(
        f"/api/v1/staff/{world.limited_a.membership.pk}",
        {"is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_pages_do_not_write_the_session_on_every_request(world: World, client_for: Any) -> None:
    client = client_for(world.staff_a)
    client.get("/customers/")  # the first request names the organization in the session
    assert "sessionid" not in client.get("/customers/").cookies
    assert "sessionid" not in client.get("/jobs/").cookies


def test_a_removed_member_can_still_log_out(world: World, client_for: Any) -> None:
    from regulars.tenancy.models import StaffMembership

    client = client_for(world.staff_a)
    client.get("/customers/")
    with tenant_scope(world.org_a):
        StaffMembership.objects.filter(pk=world.staff_a.membership.pk).update(is_active=False)
    client.post("/accounts/logout/")
    assert client.get("/customers/")["Location"].startswith("/accounts/login/")


def test_nul_in_search_boxes_is_harmless(world: World, client_for: Any) -> None:
    client = client_for(world.owner_a)
    assert client.get("/customers/?q=a%00b").status_code == 200
    assert client.get("/settings/audit/?action=%00").status_code == 200
