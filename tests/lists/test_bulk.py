"""Bulk actions through the API: snapshots, tallies, audit, rights, and the job for many."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from regulars.audit.models import AuditEntry
from regulars.customers.categories import category_create
from regulars.customers.models import Category, Customer
from regulars.jobs.models import Job, JobStatus
from regulars.lists.models import Selection
from regulars.lists.services import INLINE_MAX
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _post(api: Client, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/customers/bulk", body, content_type="application/json")


def test_selection_packs_and_unpacks_ids(world: World) -> None:
    packed = Selection.pack([5, 3, 3, 2**40])
    selection = Selection(packed_ids=packed)
    assert selection.ids == [3, 5, 2**40]


def test_add_to_category_by_ids_tallies_and_audits_once_per_change(
    world: World, api_for: Any
) -> None:
    people = [make_customer(world.org_a, f"P{n}", "Bulk") for n in range(4)]
    with tenant_scope(world.org_a):
        vip = category_create(org=world.org_a, actor=world.owner_a.actor, data={"name": "VIP"})
        people[0].categories.add(vip)
    api = api_for(world.owner_a, "staff")
    response = _post(
        api, {"action": "add_category", "category_id": vip.pk, "ids": [c.pk for c in people]}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["result"] == {"matched": 4, "changed": 3, "unchanged": 1, "skipped": 0}
    with tenant_scope(world.org_a):
        assert vip.customers.count() == 4
        entries = AuditEntry.objects.filter(action="customers.customer.bulk_add_category")
        assert sorted(e.customer_id for e in entries) == sorted(c.pk for c in people[1:])
        assert Customer.objects.get(pk=people[1].pk).version == 2
        assert Customer.objects.get(pk=people[0].pk).version == 1


def test_a_category_made_on_the_spot_and_a_filter_snapshot(world: World, api_for: Any) -> None:
    for n in range(3):
        make_customer(world.org_a, f"Ann{n}", "Filtered")
    make_customer(world.org_a, "Bob", "Other")
    owner = api_for(world.owner_a)
    response = _post(
        owner,
        {
            "action": "add_category",
            "new_category": {"name": "Spring list", "colour": "#22aa55"},
            "filter": "q=filtered",
        },
    )
    body = response.json()
    assert (body["count"], body["result"]["changed"]) == (3, 3)
    assert "filtered" in body["description"]
    staff = api_for(world.owner_a, "staff")
    refused = _post(staff, {"action": "add_category", "new_category": {"name": "X"}, "ids": [1]})
    assert refused.status_code == 403  # making a category needs categories.manage


def test_bad_requests_name_the_parameter(world: World, api_for: Any) -> None:
    mine = make_customer(world.org_a, "Mine", "One")
    theirs = make_customer(world.org_b, "Theirs", "One")
    api = api_for(world.owner_a)
    for body, field in (
        ({"action": "deactivate", "ids": [theirs.pk]}, "ids"),
        ({"action": "deactivate", "ids": [mine.pk], "filter": "q=x"}, "ids"),
        ({"action": "deactivate"}, "ids"),
        ({"action": "add_category", "category_id": 987654, "ids": [mine.pk]}, "category_id"),
        ({"action": "set_field", "field": "email", "value": "x", "ids": [mine.pk]}, "field"),
        ({"action": "set_field", "field": "country", "value": "QQ", "ids": [mine.pk]}, "value"),
        ({"action": "delete", "ids": [mine.pk]}, "confirm"),
        ({"action": "deactivate", "filter": "q=nobody-at-all"}, "filter"),
        ({"action": "explode", "ids": [mine.pk]}, "action"),
    ):
        response = _post(api, body)
        assert response.status_code == 400, (body, response.status_code)
        assert response.json()["errors"][0]["field"] == field, (body, response.json())
    mine.refresh_from_db()
    assert (mine.status, mine.deleted_at, mine.version) == ("active", None, 1)


def test_set_field_deactivate_and_delete(world: World, api_for: Any) -> None:
    people = [make_customer(world.org_a, f"S{n}", "Set") for n in range(3)]
    ids = [c.pk for c in people]
    manager = api_for(world.owner_a, "manager")
    result = _post(manager, {"action": "set_field", "field": "country", "value": "gb", "ids": ids})
    assert result.json()["result"]["changed"] == 3
    with tenant_scope(world.org_a):
        assert set(Customer.objects.filter(pk__in=ids).values_list("country", flat=True)) == {"GB"}
        olds = {c.pk: c.country for c in people}
        entries = AuditEntry.objects.filter(action="customers.customer.bulk_set_field")
        # Each customer's own old value beside the new one, as a single edit records it.
        assert {e.customer_id: e.changes for e in entries} == {
            pk: {"country": {"old": old, "new": "GB"}} for pk, old in olds.items()
        }
    assert _post(manager, {"action": "deactivate", "ids": ids}).json()["result"]["changed"] == 3
    with tenant_scope(world.org_a):
        states = AuditEntry.objects.filter(action="customers.customer.bulk_deactivate")
        assert [e.changes for e in states] == [
            {"status": {"old": "active", "new": "deactivated"}}
        ] * 3
    assert _post(manager, {"action": "deactivate", "ids": ids}).json()["result"]["unchanged"] == 3
    staff = api_for(world.owner_a, "staff")
    assert _post(staff, {"action": "delete", "confirm": "DELETE", "ids": ids}).status_code == 403
    deleted = _post(manager, {"action": "delete", "confirm": "DELETE", "ids": ids[:2]})
    assert deleted.json()["result"]["changed"] == 2
    # The deleted ones are no longer choosable; by filter the rest is.
    gone = _post(manager, {"action": "reactivate", "ids": ids})
    assert gone.status_code == 400
    back = _post(manager, {"action": "reactivate", "filter": "status=deactivated"})
    assert back.json()["result"] == {"matched": 1, "changed": 1, "unchanged": 0, "skipped": 0}


def test_location_limited_staff_act_only_on_their_customers(world: World, client_for: Any) -> None:
    inside = make_customer(world.org_a, "In", "Side", locations=[world.loc_a1])
    outside = make_customer(world.org_a, "Out", "Side", locations=[world.loc_a2])
    client = client_for(world.limited_a)
    refused = client.post(
        "/api/v1/customers/bulk",
        {"action": "deactivate", "ids": [inside.pk, outside.pk]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    done = client.post(
        "/api/v1/customers/bulk",
        {"action": "deactivate", "filter": "q=side"},
        content_type="application/json",
    ).json()
    assert done["result"]["changed"] == 1
    outside.refresh_from_db()
    assert outside.status == "active"


def test_more_than_the_inline_limit_runs_as_a_job(
    world: World, api_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from regulars.customers.account_numbers import account_numbers_allocate

    count = INLINE_MAX + 20
    with tenant_scope(world.org_a):
        numbers = account_numbers_allocate(org=world.org_a, count=count)
        Customer.objects.bulk_create(
            [
                Customer(
                    organization=world.org_a,
                    first_name=f"J{n}",
                    last_name="Job",
                    account_number=numbers[n],
                )
                for n in range(count)
            ]
        )
    api = api_for(world.owner_a, "manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api, {"action": "deactivate", "filter": "status=active"})
    assert response.status_code == 202, response.json()
    job_id = response.json()["job"]["id"]
    with tenant_scope(world.org_a):
        job = Job.objects.get(pk=job_id)  # the immediate task backend ran it on commit
        assert job.status == JobStatus.SUCCEEDED, job.message
        assert job.result["changed"] == count
        assert (
            AuditEntry.objects.filter(action="customers.customer.bulk_deactivate").count() == count
        )
        assert not Customer.objects.filter(last_name="Job", status="active").exists()


def test_the_page_confirms_then_acts(world: World, client_for: Any) -> None:
    people = [make_customer(world.org_a, f"G{n}", "Page") for n in range(3)]
    with tenant_scope(world.org_a):
        vip = category_create(org=world.org_a, actor=world.owner_a.actor, data={"name": "VIP"})
    client = client_for(world.staff_a)
    ticked = {"ids": [people[0].pk, people[1].pk], "action": "add_category", "query": "q="}
    confirm = client.post("/customers/bulk/", ticked)
    assert confirm.status_code == 200
    assert "Change 2 customers" in confirm.content.decode()
    done = client.post("/customers/bulk/", {**ticked, "go": "1", "category_id": vip.pk})
    assert done.status_code == 302
    with tenant_scope(world.org_a):
        assert sorted(vip.customers.values_list("id", flat=True)) == [people[0].pk, people[1].pk]
    messages = client.get(done["Location"]).content.decode()
    assert "2 changed, 0 unchanged, 0 skipped" in messages
    # Deleting needs the typed word, and the right.
    manager = client_for(world.manager_a)
    everyone = {"all_matching": "1", "query": "status=active", "action": "delete", "go": "1"}
    refused = manager.post("/customers/bulk/", everyone)
    assert refused.status_code == 200 and "Type DELETE" in refused.content.decode()
    assert client.post("/customers/bulk/", {**everyone, "confirm": "DELETE"}).status_code == 200
    with tenant_scope(world.org_a):
        assert Customer.objects.filter(deleted_at__isnull=True, last_name="Page").count() == 3
    assert manager.post("/customers/bulk/", {**everyone, "confirm": "DELETE"}).status_code == 302
    with tenant_scope(world.org_a):
        assert Customer.objects.filter(deleted_at__isnull=True, last_name="Page").count() == 0


def test_the_list_offers_selection_and_the_confirm_page_takes_all_matching(
    world: World, client_for: Any
) -> None:
    people = [make_customer(world.org_a, f"L{n}", "Listed") for n in range(3)]
    client = client_for(world.staff_a)
    page = client.get("/customers/").content.decode()
    assert 'action="/customers/bulk/"' in page
    assert f'name="ids" value="{people[0].pk}"' in page
    assert 'value="delete"' not in page  # staff cannot delete
    readonly = client_for(world.readonly_a).get("/customers/").content.decode()
    assert 'name="ids"' not in readonly
    confirm = client.post(
        "/customers/bulk/", {"all_matching": "1", "query": "", "action": "deactivate"}
    )
    assert "Change 3 customers" in confirm.content.decode()
    done = client.post(
        "/customers/bulk/",
        {"all_matching": "1", "query": "", "action": "deactivate", "go": "1"},
    )
    assert done.status_code == 302
    with tenant_scope(world.org_a):
        assert not Customer.objects.filter(status="active").exists()


def test_review_cases_answer_4xx_and_keep_search_current(
    world: World, api_for: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = [make_customer(world.org_a, f"R{n}", "Review") for n in range(2)]
    ids = [c.pk for c in people]
    api = api_for(world.owner_a)
    for body in (
        {"action": "set_field", "field": "city", "value": "x" * 101, "ids": ids},
        {"action": "set_field", "field": "city", "value": "nul\x00", "ids": ids},
        {"action": "set_field", "field": "city", "value": ["a"], "ids": ids},
        {"action": "set_field", "field": "company", "value": " ", "ids": ids},
    ):
        response = _post(api, body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == "value", body
    # A refused selection leaves no category behind.
    refused = _post(
        api, {"action": "add_category", "new_category": {"name": "Orphan"}, "ids": [987654]}
    )
    assert refused.status_code == 400
    with tenant_scope(world.org_a):
        assert not Category.objects.filter(name="Orphan").exists()
    # A searched field set in bulk is searchable at once.
    assert (
        _post(
            api, {"action": "set_field", "field": "city", "value": "Zanzibar", "ids": ids}
        ).json()["result"]["changed"]
        == 2
    )
    found = api.get("/api/v1/customers?q=zanzibar").json()
    assert sorted(c["id"] for c in found["items"]) == sorted(ids)
    # Unicode digits in ids are refused, not a 500.
    page = client_for(world.staff_a)
    assert page.get("/customers/?category__any=²").status_code == 400
    assert page.post("/customers/bulk/", {"ids": ["²"], "query": "a\nb"}).status_code == 302
    assert page.get("/customers/?sort=birthday&cursor=WyJhIixbIngiLDFdXQ").status_code == 400
