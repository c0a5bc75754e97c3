"""Reminders: on the profile, in "My reminders" and through the API, by the organization's day."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.customers.models import Customer, Reminder
from regulars.customers.reminder_selectors import my_reminders, org_today
from regulars.customers.reminders import (
    reminder_add,
    reminder_delete,
    reminder_set_done,
    reminder_update,
)
from regulars.tenancy.access import Actor, Channel
from regulars.tenancy.models import Role
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import Member, make_customer, make_member

pytestmark = pytest.mark.django_db

JSON = "application/json"
AUCKLAND = "Pacific/Auckland"


def _add(member: Member, customer: Customer, **data: Any) -> Reminder:
    data.setdefault("text", "Call back")
    data.setdefault("due_date", date(2030, 1, 10))
    with tenant_scope(member.org):
        return reminder_add(org=member.org, actor=member.actor, customer_id=customer.pk, data=data)


def _rows(customer: Customer) -> list[tuple[str, bool]]:
    with tenant_scope(customer.organization):
        return [
            (r.text, r.done_at is not None)
            for r in Reminder.objects.filter(customer=customer).order_by("id")
        ]


def _audit(org: Any, action: str) -> list[dict[str, Any]]:
    with tenant_scope(org):
        return list(
            AuditEntry.objects.filter(action=action)
            .order_by("id")
            .values_list("changes", flat=True)
        )


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _auckland(world: World) -> date:
    world.org_a.time_zone = AUCKLAND
    world.org_a.save(update_fields=["time_zone"])
    return org_today(world.org_a)


# ------------------------------------------------------------------ services


def test_add_update_done_delete_are_audited(world: World, customers_a: dict[str, Customer]) -> None:
    alice = customers_a["everywhere"]
    reminder = _add(world.staff_a, alice, text="  Ring about the perm \n", due_time=time(10, 30))
    assert (reminder.text, reminder.assigned_to, reminder.created_by_label) == (
        "Ring about the perm",
        world.staff_a.user,  # by default, whoever adds it
        "staff-a@example.test",
    )
    kwargs: dict[str, Any] = {"org": world.org_a, "actor": world.manager_a.actor}
    with tenant_scope(world.org_a):
        same = {"text": "Ring about the perm", "due_date": date(2030, 1, 10)}
        reminder_update(**kwargs, customer_id=alice.pk, reminder_id=reminder.pk, data=same)
        reminder_update(
            **kwargs,
            customer_id=alice.pk,
            reminder_id=reminder.pk,
            data={"due_date": "2030-01-11", "due_time": None, "assigned_to_id": None},
        )
        done = reminder_set_done(**kwargs, reminder_id=reminder.pk, done=True)
        assert done.done_at is not None
        assert done.done_by_label == "manager-a@example.test"
        reminder_set_done(**kwargs, reminder_id=reminder.pk, done=True)  # no change, no entry
        undone = reminder_set_done(**kwargs, reminder_id=reminder.pk, done=False)
        assert (undone.done_at, undone.done_by_label) == (None, "")
        reminder.refresh_from_db()
        assert (reminder.due_date, reminder.due_time) == (date(2030, 1, 11), None)
        assert reminder.assigned_to == world.manager_a.user  # None: the acting login
        reminder_delete(**kwargs, customer_id=alice.pk, reminder_id=reminder.pk)
        assert not Reminder.objects.exists()
        customers = set(
            AuditEntry.objects.filter(action__startswith="customers.reminder.").values_list(
                "customer_id", flat=True
            )
        )
    assert customers == {alice.pk}
    assert _audit(world.org_a, "customers.reminder.added") == [
        {
            "text": "Ring about the perm",
            "due_date": "2030-01-10",
            "due_time": "10:30:00",
            "assigned_to": "staff-a@example.test",
        }
    ]
    assert _audit(world.org_a, "customers.reminder.edited") == [
        {
            "due_date": {"old": "2030-01-10", "new": "2030-01-11"},
            "due_time": {"old": "10:30:00", "new": None},
            "assigned_to": {"old": "staff-a@example.test", "new": "manager-a@example.test"},
        }
    ]
    assert len(_audit(world.org_a, "customers.reminder.done")) == 1
    assert _audit(world.org_a, "customers.reminder.reopened") == [
        {"done": {"old": True, "new": False}}
    ]
    assert _audit(world.org_a, "customers.reminder.deleted") == [
        {
            "text": "Ring about the perm",
            "due_date": "2030-01-11",
            "assigned_to": "manager-a@example.test",
        }
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "  \n "}, "text"),
        ({"text": "bad\x00text"}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"due_date": None}, "due_date"),
        ({"due_date": ""}, "due_date"),
        ({"due_date": "2030-02-30"}, "due_date"),
        ({"due_date": datetime(2030, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))}, "due_date"),
        ({"due_time": "25:00"}, "due_time"),
        ({"due_time": time(10, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))}, "due_time"),
        ({"due_time": 10}, "due_time"),
        ({"assigned_to_id": 2**60}, "assigned_to_id"),
        ({"assigned_to_id": "3"}, "assigned_to_id"),
        ({"assigned_to_id": True}, "assigned_to_id"),
    ],
)
def test_bad_input_names_the_field(
    world: World, customers_a: dict[str, Customer], data: dict[str, Any], field: str
) -> None:
    alice = customers_a["everywhere"]
    with pytest.raises(DomainError) as exc:
        _add(world.staff_a, alice, **data)
    assert [e.field for e in exc.value.errors] == [field]
    reminder = _add(world.staff_a, alice, text="x" * 1000)
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        reminder_update(
            org=world.org_a,
            actor=world.staff_a.actor,
            customer_id=alice.pk,
            reminder_id=reminder.pk,
            data={"text": "ok", "due_date": date(2031, 1, 1), **data},
        )
    assert [e.field for e in exc.value.errors] == [field]
    assert _rows(alice) == [("x" * 1000, False)]


def test_assignee_is_active_staff_who_can_see_the_customer(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    gone = make_member(world.org_a, Role.STAFF, email="gone-a@example.test")
    with tenant_scope(world.org_a):
        gone.membership.is_active = False
        gone.membership.save(update_fields=["is_active"])
    refused = [
        (alice, gone.user.pk),  # no longer active
        (alice, world.readonly_a.user.pk),  # cannot work on reminders
        (alice, world.owner_b.user.pk),  # another organization's
        (sam, world.limited_a.user.pk),  # cannot see this customer
    ]
    for customer, user_id in refused:
        with pytest.raises(DomainError) as exc:
            _add(world.owner_a, customer, assigned_to_id=user_id)
        assert [e.field for e in exc.value.errors] == ["assigned_to_id"], user_id
    assert _add(world.owner_a, alice, assigned_to_id=world.limited_a.user.pk).assigned_to == (
        world.limited_a.user
    )
    # An API key has no login: it must say whom the reminder is for.
    key = Actor(org=world.org_a, role=Role.MANAGER, channel=Channel.API, api_key_id=1)
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        reminder_add(
            org=world.org_a,
            actor=key,
            customer_id=alice.pk,
            data={"text": "x", "due_date": date(2030, 1, 1)},
        )
    assert [e.field for e in exc.value.errors] == ["assigned_to_id"]


def test_rights_and_visibility(world: World, customers_a: dict[str, Customer]) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    with pytest.raises(Forbidden):
        _add(world.readonly_a, alice)
    with pytest.raises(NotFound):
        _add(world.limited_a, sam)
    with pytest.raises(NotFound):
        _add(world.owner_b, alice)
    south = _add(world.owner_a, sam, text="South")
    with tenant_scope(world.org_a):
        for member in (world.limited_a, world.readonly_a):
            with pytest.raises((NotFound, Forbidden)):
                reminder_set_done(
                    org=world.org_a, actor=member.actor, reminder_id=south.pk, done=True
                )
        # The reminder's id with another customer's id is not found either.
        with pytest.raises(NotFound):
            reminder_delete(
                org=world.org_a,
                actor=world.owner_a.actor,
                customer_id=alice.pk,
                reminder_id=south.pk,
            )
    with tenant_scope(world.org_b), pytest.raises(NotFound):
        reminder_set_done(
            org=world.org_b, actor=world.owner_b.actor, reminder_id=south.pk, done=True
        )
    assert _rows(sam) == [("South", False)]


# ------------------------------------------------------------------ My reminders


def _texts(member: Member, when: Any, today: date) -> list[str]:
    with tenant_scope(member.org):
        rows = my_reminders(org=member.org, actor=member.actor, when=when, today=today)
        return [r.text for r in rows]


def test_my_reminders_by_the_organizations_day(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    today = date(
        2030, 6, 15
    )  # "today" in Auckland, passed in: the test does not depend on the clock
    staff = world.staff_a
    _add(staff, alice, text="Tomorrow", due_date=today + timedelta(days=1))
    _add(staff, alice, text="Today 9", due_date=today, due_time=time(9, 0))
    _add(staff, alice, text="Today, any time", due_date=today)
    _add(staff, alice, text="Last week", due_date=today - timedelta(days=7))
    _add(staff, alice, text="Yesterday", due_date=today - timedelta(days=1))
    finished = _add(staff, alice, text="Finished", due_date=today - timedelta(days=3))
    _add(world.manager_a, alice, text="Manager's", due_date=today)
    with tenant_scope(world.org_a):
        reminder_set_done(org=world.org_a, actor=staff.actor, reminder_id=finished.pk, done=True)
        due = list(my_reminders(org=world.org_a, actor=staff.actor, when="due", today=today))
    assert [r.text for r in due] == [
        "Last week",
        "Yesterday",
        "Today, any time",
        "Today 9",
    ]
    assert [r.overdue for r in due] == [True, True, False, False]  # type: ignore[attr-defined]
    assert _texts(staff, "upcoming", today) == ["Tomorrow"]
    assert _texts(staff, "done", today) == ["Finished"]
    assert len(_texts(staff, "all", today)) == 6
    # The day after, yesterday's "tomorrow" is due.
    assert "Tomorrow" in _texts(staff, "due", today + timedelta(days=1))
    assert _texts(world.manager_a, "due", today) == ["Manager's"]
    assert _texts(world.owner_a, "all", today) == []


def test_today_is_the_organizations_not_the_servers(world: World) -> None:
    for zone in (AUCKLAND, "Pacific/Pago_Pago"):  # UTC+12/13 and UTC-11: never the same day
        world.org_a.time_zone = zone
        assert org_today(world.org_a) == datetime.now(zoneinfo.ZoneInfo(zone)).date()


def test_my_reminders_only_on_customers_one_can_see(
    world: World, customers_a: dict[str, Customer]
) -> None:
    today = date(2030, 6, 15)
    # limited_a sees customers of Alpha North only.
    nora = make_customer(world.org_a, "Nora", "North", locations=[world.loc_a1])
    going = make_customer(world.org_a, "Gina", "Going")
    _add(world.owner_a, nora, text="Nora's", due_date=today, assigned_to_id=world.limited_a.user.pk)
    _add(
        world.owner_a, going, text="Gina's", due_date=today, assigned_to_id=world.limited_a.user.pk
    )
    assert _texts(world.limited_a, "due", today) == ["Nora's", "Gina's"]
    with tenant_scope(world.org_a):
        # Deleted (soft): as `customer_delete` leaves it, whatever else that service grows.
        Customer.objects.filter(pk=going.pk).update(deleted_at=timezone.now())
        nora.locations.set([world.loc_a2])  # moved out of their locations
    assert _texts(world.limited_a, "due", today) == []
    key = Actor(org=world.org_a, role=Role.OWNER, channel=Channel.API, api_key_id=1)
    with tenant_scope(world.org_a):
        assert not my_reminders(org=world.org_a, actor=key, when="all", today=today).exists()


# ------------------------------------------------------------------ pages


def test_profile_card_add_done_undo_delete(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    today = _auckland(world)
    client = client_for(world.staff_a)
    profile = f"/customers/{alice.pk}/"
    body = client.get(profile).content.decode()
    assert 'id="reminders"' in body
    assert "No open reminders." in body
    assert 'type="date"' in body and 'type="time"' in body
    assert 'id="reminder_text"' in body  # not the note form's `id_text`
    assert f'<option value="{world.staff_a.user.pk}" selected>' in body  # "for": me by default
    assert f'<option value="{world.readonly_a.user.pk}"' not in body
    response = client.post(
        f"/reminders/customers/{alice.pk}/new/",
        {
            "text": "Send <b>quote</b>",
            "due_date": (today - timedelta(days=2)).isoformat(),
            "due_time": "14:30",
            "assigned_to_id": str(world.staff_a.user.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{profile}#reminders"
    (reminder,) = Reminder.unscoped.filter(customer=alice)
    assert reminder.due_time == time(14, 30)
    body = client.get(profile).content.decode()
    assert "Send &lt;b&gt;quote&lt;/b&gt;" in body
    assert "Overdue" in body
    assert 'data-confirm="Delete this reminder?' in body
    assert client.post(f"/reminders/{reminder.pk}/done/").status_code == 302
    assert _rows(alice) == [("Send <b>quote</b>", True)]
    body = client.get(profile).content.decode()
    assert "No open reminders." in body and " · staff-a@example.test" in body and "Undo" in body
    response = client.post(f"/reminders/{reminder.pk}/undo/", {"next": "/reminders/?when=due"})
    assert response["Location"] == "/reminders/?when=due"
    assert _rows(alice) == [("Send <b>quote</b>", False)]
    # `next` elsewhere than this site is ignored.
    response = client.post(f"/reminders/{reminder.pk}/done/", {"next": "//evil.test/x"})
    assert response["Location"] == f"{profile}#reminders"
    response = client.post(f"/reminders/customers/{alice.pk}/{reminder.pk}/delete/")
    assert response["Location"] == f"{profile}#reminders"
    assert _rows(alice) == []
    assert client.get(f"/reminders/customers/{alice.pk}/new/").status_code == 302  # GET: back


def test_profile_add_with_errors_keeps_what_was_typed(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    client = client_for(world.staff_a)
    url = f"/reminders/customers/{alice.pk}/new/"
    response = client.post(url, {"text": "Keep this text", "due_date": "not a day"})
    assert response.status_code == 200
    form = response.context["reminder_form"]
    assert form.errors["due_date"]
    assert "Keep this text" in response.content.decode()
    # A staff member the service refuses: the error lands on the field.
    response = client.post(
        url,
        {"text": "x", "due_date": "2030-01-01", "assigned_to_id": str(world.owner_b.user.pk)},
    )
    assert response.status_code == 200
    assert response.context["reminder_form"].errors["assigned_to_id"]
    assert _rows(alice) == []


def test_edit_page(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    reminder = _add(world.owner_a, alice, text="Old", due_time=time(9, 0))
    client = client_for(world.staff_a)
    url = f"/reminders/customers/{alice.pk}/{reminder.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="2030-01-10"' in page.content.decode()
    assert 'value="09:00"' in page.content.decode()
    page = client.post(url, {"text": " ", "due_date": "2030-01-10"})
    assert page.status_code == 200
    assert page.context["form"].errors["text"]
    data = {"text": "New", "due_date": "2030-02-01", "due_time": "", "assigned_to_id": ""}
    response = client.post(url, data)
    assert response["Location"] == f"/customers/{alice.pk}/#reminders"
    reminder.refresh_from_db()
    assert (reminder.text, reminder.due_date, reminder.due_time) == ("New", date(2030, 2, 1), None)
    assert reminder.assigned_to == world.staff_a.user


def test_my_reminders_page(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    today = _auckland(world)
    client = client_for(world.staff_a)
    body = client.get("/reminders/").content.decode()
    assert "Nothing due" in body
    assert 'href="/reminders/" aria-current="page">My reminders' in body
    late = _add(world.staff_a, alice, text="Late one", due_date=today - timedelta(days=1))
    _add(world.staff_a, alice, text="Today one", due_date=today)
    _add(world.staff_a, alice, text="Next week", due_date=today + timedelta(days=7))
    _add(world.manager_a, alice, text="Not mine", due_date=today)
    body = client.get("/reminders/").content.decode()
    assert body.index("Late one") < body.index("Today one")
    assert "Next week" not in body and "Not mine" not in body
    assert body.count("Overdue") == 1
    assert '<span class="badge badge-red">2</span>' in body
    assert f'href="/customers/{alice.pk}/#reminders"' in body
    assert 'name="next" value="/reminders/"' in body
    assert "Next week" in client.get("/reminders/?when=upcoming").content.decode()
    assert "Nothing done yet" in client.get("/reminders/?when=done").content.decode()
    client.post(f"/reminders/{late.pk}/done/", {"next": "/reminders/"})
    assert "Late one" in client.get("/reminders/?when=done").content.decode()
    assert "Late one" not in client.get("/reminders/?when=nonsense").content.decode()
    # Read-only staff see the page (with no reminders of their own), without buttons.
    assert "Nothing due" in client_for(world.readonly_a).get("/reminders/").content.decode()


def test_my_reminders_page_is_paged(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    today = _auckland(world)
    for n in range(52):
        _add(world.staff_a, customers_a["everywhere"], text=f"R{n:02}", due_date=today)
    client = client_for(world.staff_a)
    first = client.get("/reminders/").content.decode()
    assert "R00" in first and "R51" not in first
    assert 'href="?when=due&amp;page=2"' in first
    assert "R51" in client.get("/reminders/?when=due&page=2").content.decode()


def test_pages_refuse_readonly_other_org_and_limited_staff(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    keep = _add(world.owner_a, alice, text="Keep me")
    south = _add(world.owner_a, sam, text="South")
    form = {"text": "x", "due_date": "2030-01-01"}
    readonly = client_for(world.readonly_a)
    body = readonly.get(f"/customers/{alice.pk}/").content.decode()
    assert "Keep me" in body and "Add reminder" not in body
    assert readonly.post(f"/reminders/customers/{alice.pk}/new/", form).status_code == 403
    assert readonly.post(f"/reminders/{keep.pk}/done/").status_code == 403
    assert readonly.post(f"/reminders/customers/{alice.pk}/{keep.pk}/delete/").status_code == 403
    assert readonly.get(f"/reminders/customers/{alice.pk}/{keep.pk}/edit/").status_code == 403
    other = client_for(world.owner_b)
    assert other.post(f"/reminders/{keep.pk}/done/").status_code == 404
    assert other.get(f"/reminders/customers/{alice.pk}/{keep.pk}/edit/").status_code == 404
    assert other.post(f"/reminders/customers/{alice.pk}/{keep.pk}/delete/").status_code == 404
    assert other.post(f"/reminders/customers/{alice.pk}/new/", form).status_code == 404
    limited = client_for(world.limited_a)
    assert limited.post(f"/reminders/{south.pk}/done/").status_code == 404
    assert limited.get(f"/reminders/customers/{sam.pk}/{south.pk}/edit/").status_code == 404
    assert limited.post(f"/reminders/customers/{sam.pk}/{south.pk}/delete/").status_code == 404
    assert limited.post(f"/reminders/customers/{sam.pk}/new/", form).status_code == 404
    assert _rows(alice) == [("Keep me", False)]
    assert _rows(sam) == [("South", False)]


# ------------------------------------------------------------------ API


def test_api_crud(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    today = _auckland(world)
    client = client_for(world.staff_a)  # a session: reminders are for its login by default
    base = f"/api/v1/customers/{alice.pk}/reminders"
    created = client.post(
        base,
        {"text": " Call ", "due_date": str(today - timedelta(days=1)), "due_time": "09:15"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    one = created.json()
    assert {k: one[k] for k in ("text", "customer_id", "customer_name", "due_time")} == {
        "text": "Call",
        "customer_id": alice.pk,
        "customer_name": "Alice Everywhere",
        "due_time": "09:15:00",
    }
    assert (one["assigned_to_id"], one["assigned_to_label"]) == (
        world.staff_a.user.pk,
        "staff-a@example.test",
    )
    assert (one["done"], one["done_at"], one["overdue"]) == (False, None, True)
    assert one["created_by_label"] == "staff-a@example.test"
    client.post(base, {"text": "Two", "due_date": str(today)}, content_type=JSON)
    listed = client.get(base).json()
    assert [r["text"] for r in listed["items"]] == ["Call", "Two"]
    assert [r["overdue"] for r in listed["items"]] == [True, False]
    url = f"{base}/{one['id']}"
    patched = client.patch(
        url, {"text": "Call Alice", "due_time": None, "done": True}, content_type=JSON
    )
    assert patched.status_code == 200
    out = patched.json()
    assert (out["text"], out["due_time"], out["done"], out["overdue"]) == (
        "Call Alice",
        None,
        True,
        False,
    )
    assert out["done_by_label"] == "staff-a@example.test" and out["done_at"]
    assert client.patch(url, {}, content_type=JSON).json()["text"] == "Call Alice"
    reopened = client.patch(url, {"done": False}, content_type=JSON).json()
    assert (reopened["done"], reopened["done_by_label"]) == (False, "")
    moved = client.patch(url, {"assigned_to_id": world.manager_a.user.pk}, content_type=JSON).json()
    assert moved["assigned_to_label"] == "manager-a@example.test"
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert _rows(alice) == [("Two", False)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": "2030-01-01"}, "text"),
        ({"text": "", "due_date": "2030-01-01"}, "text"),
        ({"text": "   ", "due_date": "2030-01-01"}, "text"),
        ({"text": "x" * 1001, "due_date": "2030-01-01"}, "text"),
        ({"text": "x"}, "due_date"),
        ({"text": "x", "due_date": "tomorrow"}, "due_date"),
        ({"text": "x", "due_date": 1_900_000_000}, "due_date"),
        ({"text": "x", "due_date": "2030-02-30"}, "due_date"),
        ({"text": "x", "due_date": "2030-01-01", "due_time": "10:00+02:00"}, "due_time"),
        ({"text": "x", "due_date": "2030-01-01", "due_time": "9am"}, "due_time"),
        ({"text": "x", "due_date": "2030-01-01", "assigned_to_id": "5"}, "assigned_to_id"),
        ({"text": "x", "due_date": "2030-01-01", "assigned_to_id": 0}, "assigned_to_id"),
        ({"text": "x", "due_date": "2030-01-01", "assigned_to_id": 2**53}, "assigned_to_id"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(
    world: World,
    customers_a: dict[str, Customer],
    client_for: Callable[..., Client],
    body: dict[str, Any],
    field: str,
) -> None:
    alice = customers_a["everywhere"]
    response = client_for(world.staff_a).post(
        f"/api/v1/customers/{alice.pk}/reminders", body, content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert field in _fields(response)
    assert _rows(alice) == []


def test_api_key_must_name_the_staff_member(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    client = api_for(world.owner_a, Role.STAFF)
    base = f"/api/v1/customers/{alice.pk}/reminders"
    response = client.post(base, {"text": "x", "due_date": "2030-01-01"}, content_type=JSON)
    assert response.status_code == 400
    assert _fields(response) == ["assigned_to_id"]
    body = {"text": "x", "due_date": "2030-01-01", "assigned_to_id": world.staff_a.user.pk}
    assert client.post(base, body, content_type=JSON).status_code == 201
    # A key has no reminders of its own.
    assert client.get("/api/v1/reminders", {"when": "all"}).json()["count"] == 0


def test_api_my_reminders_are_mine_only(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    today = _auckland(world)
    _add(world.staff_a, alice, text="Overdue", due_date=today - timedelta(days=2))
    _add(world.staff_a, alice, text="Due", due_date=today)
    _add(world.staff_a, alice, text="Later", due_date=today + timedelta(days=2))
    done = _add(world.staff_a, alice, text="Done", due_date=today)
    _add(world.manager_a, alice, text="Manager's", due_date=today)
    with tenant_scope(world.org_a):
        reminder_set_done(
            org=world.org_a, actor=world.staff_a.actor, reminder_id=done.pk, done=True
        )
    client = client_for(world.staff_a)

    def texts(**query: Any) -> list[str]:
        response = client.get("/api/v1/reminders", query)
        assert response.status_code == 200
        return [r["text"] for r in response.json()["items"]]

    assert texts() == ["Overdue", "Due"]
    assert texts(when="upcoming") == ["Later"]
    assert texts(when="done") == ["Done"]
    assert sorted(texts(when="all")) == ["Done", "Due", "Later", "Overdue"]
    first = client.get("/api/v1/reminders", {"when": "all", "limit": 3}).json()
    assert first["count"] == 4 and first["next_cursor"]
    rest = client.get(
        "/api/v1/reminders", {"when": "all", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 1
    bad = client.get("/api/v1/reminders", {"when": "soon"})
    assert bad.status_code == 400 and _fields(bad) == ["when"]
    manager = client_for(world.manager_a).get("/api/v1/reminders").json()
    assert [r["text"] for r in manager["items"]] == ["Manager's"]


def test_api_refuses_readonly_other_org_and_limited_staff(
    world: World,
    customers_a: dict[str, Customer],
    api_for: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    keep = _add(world.owner_a, alice, text="Keep me")
    south = _add(world.owner_a, sam, text="South")
    body = {"text": "x", "due_date": "2030-01-01", "assigned_to_id": world.owner_a.user.pk}
    readonly = api_for(world.owner_a, Role.READONLY)
    base = f"/api/v1/customers/{alice.pk}/reminders"
    assert readonly.get(base).status_code == 200
    url = f"{base}/{keep.pk}"
    assert readonly.post(base, body, content_type=JSON).status_code == 403
    assert readonly.patch(url, {"done": True}, content_type=JSON).status_code == 403
    assert readonly.patch(url, {}, content_type=JSON).status_code == 403
    assert readonly.delete(url).status_code == 403
    other = api_for(world.owner_b)
    assert other.get(base).status_code == 404
    assert other.post(base, body, content_type=JSON).status_code == 404
    assert other.patch(url, {"done": True}, content_type=JSON).status_code == 404
    assert other.delete(url).status_code == 404
    limited = client_for(world.limited_a)
    south_base = f"/api/v1/customers/{sam.pk}/reminders"
    assert limited.get(south_base).status_code == 404
    assert limited.post(south_base, body, content_type=JSON).status_code == 404
    assert limited.patch(f"{south_base}/{south.pk}", {}, content_type=JSON).status_code == 404
    assert limited.delete(f"{south_base}/{south.pk}").status_code == 404
    # Another customer's path with this reminder's id: 404 too.
    assert limited.delete(f"/api/v1/customers/{alice.pk}/reminders/{south.pk}").status_code == 404
    assert _rows(alice) == [("Keep me", False)]
    assert _rows(sam) == [("South", False)]
