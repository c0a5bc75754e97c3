"""Notes: plain text on the profile and through the API, edit history kept in the audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.customers.models import Customer, Note
from regulars.customers.notes import note_add, note_delete, note_edit
from regulars.tenancy.models import Role
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import Member

pytestmark = pytest.mark.django_db


def _add(member: Member, customer: Customer, text: str) -> Note:
    with tenant_scope(member.org):
        return note_add(org=member.org, actor=member.actor, customer_id=customer.pk, text=text)


def _notes(customer: Customer) -> list[str]:
    with tenant_scope(customer.organization):
        return list(Note.objects.filter(customer=customer).values_list("text", flat=True))


def _audit(org: Any, action: str) -> list[dict[str, Any]]:
    with tenant_scope(org):
        return list(
            AuditEntry.objects.filter(action=action)
            .order_by("id")
            .values_list("changes", flat=True)
        )


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


# ------------------------------------------------------------------ services


def test_add_edit_delete_keep_the_whole_history_in_the_audit(
    world: World, customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    note = _add(world.staff_a, alice, "  Prefers mornings \n")
    assert (note.text, note.author, note.author_label) == (
        "Prefers mornings",
        world.staff_a.user,
        "staff-a@example.test",
    )
    with tenant_scope(world.org_a):
        kwargs = {"org": world.org_a, "actor": world.staff_a.actor, "customer_id": alice.pk}
        note_edit(**kwargs, note_id=note.pk, text="Prefers afternoons")
        note_edit(**kwargs, note_id=note.pk, text="Prefers afternoons")  # no change: no entry
        note_edit(**kwargs, note_id=note.pk, text="Prefers evenings")
        note_delete(**kwargs, note_id=note.pk)
        assert not Note.objects.exists()
        customer_ids = set(
            AuditEntry.objects.filter(action__startswith="customers.note.").values_list(
                "customer_id", flat=True
            )
        )
    assert customer_ids == {alice.pk}
    assert _audit(world.org_a, "customers.note.added") == [{"text": "Prefers mornings"}]
    assert _audit(world.org_a, "customers.note.edited") == [
        {"text": {"old": "Prefers mornings", "new": "Prefers afternoons"}},
        {"text": {"old": "Prefers afternoons", "new": "Prefers evenings"}},
    ]
    assert _audit(world.org_a, "customers.note.deleted") == [
        {"text": "Prefers evenings", "author": "staff-a@example.test"}
    ]


@pytest.mark.parametrize("text", ["", "   \n ", "bad\x00text", "x" * 10_001])
def test_bad_text_names_the_field(
    world: World, customers_a: dict[str, Customer], text: str
) -> None:
    with pytest.raises(DomainError) as exc:
        _add(world.staff_a, customers_a["everywhere"], text)
    assert [e.field for e in exc.value.errors] == ["text"]
    note = _add(world.staff_a, customers_a["everywhere"], "x" * 10_000)
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        note_edit(
            org=world.org_a,
            actor=world.staff_a.actor,
            customer_id=note.customer_id,
            note_id=note.pk,
            text=text,
        )
    assert [e.field for e in exc.value.errors] == ["text"]


def test_rights_and_visibility(world: World, customers_a: dict[str, Customer]) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    with pytest.raises(Forbidden):
        _add(world.readonly_a, alice, "nope")
    with pytest.raises(NotFound):
        _add(world.limited_a, sam, "outside my locations")
    with pytest.raises(NotFound):
        _add(world.owner_b, alice, "another organization")
    note = _add(world.owner_a, sam, "South note")
    # The note's id with another customer's id is not found either.
    with tenant_scope(world.org_a), pytest.raises(NotFound):
        note_delete(
            org=world.org_a, actor=world.owner_a.actor, customer_id=alice.pk, note_id=note.pk
        )
    assert _notes(sam) == ["South note"]


# ------------------------------------------------------------------ pages


def test_profile_lists_notes_oldest_first_escaped_with_links(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    client = client_for(world.staff_a)
    url = f"/customers/{alice.pk}/"
    response = client.post(f"{url}notes/", {"text": "First <script>alert(1)</script>"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}#notes"
    client.post(f"{url}notes/", {"text": "Second\nsee https://example.com/menu"})
    body = client.get(url).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<a href="https://example.com/menu" rel="nofollow">https://example.com/menu</a>' in body
    assert "Second<br>see" in body
    assert body.index("First &lt;script") < body.index("Second<br>")
    assert "staff-a@example.test" in body
    assert 'data-confirm="Delete this note?' in body


def test_page_edit_and_delete(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    note = _add(world.owner_a, alice, "Old text")
    client = client_for(world.staff_a)
    edit_url = f"/customers/{alice.pk}/notes/{note.pk}/edit/"
    page = client.get(edit_url)
    assert page.status_code == 200
    assert "Old text" in page.content.decode()
    # An empty text re-renders the form with the error on the field.
    page = client.post(edit_url, {"text": "  "})
    assert page.status_code == 200
    assert page.context["form"].errors["text"]
    assert client.post(edit_url, {"text": "New text"}).status_code == 302
    assert _notes(alice) == ["New text"]
    response = client.post(f"/customers/{alice.pk}/notes/{note.pk}/delete/")
    assert response.status_code == 302
    assert _notes(alice) == []


def test_page_add_with_bad_text_keeps_the_profile_and_the_error(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    response = client_for(world.staff_a).post(f"/customers/{alice.pk}/notes/", {"text": ""})
    assert response.status_code == 200
    assert response.context["note_form"].errors["text"]
    assert _notes(alice) == []


def test_pages_refuse_readonly_other_org_and_limited_staff(
    world: World, customers_a: dict[str, Customer], client_for: Callable[..., Client]
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    note = _add(world.owner_a, alice, "Keep me")
    south = _add(world.owner_a, sam, "South")
    readonly = client_for(world.readonly_a)
    body = readonly.get(f"/customers/{alice.pk}/").content.decode()
    assert "Keep me" in body
    assert "Add note" not in body
    assert readonly.post(f"/customers/{alice.pk}/notes/", {"text": "x"}).status_code == 403
    assert readonly.post(f"/customers/{alice.pk}/notes/{note.pk}/delete/").status_code == 403
    other = client_for(world.owner_b)
    assert other.get(f"/customers/{alice.pk}/notes/{note.pk}/edit/").status_code == 404
    assert other.post(f"/customers/{alice.pk}/notes/{note.pk}/delete/").status_code == 404
    limited = client_for(world.limited_a)
    assert limited.get(f"/customers/{sam.pk}/notes/{south.pk}/edit/").status_code == 404
    assert limited.post(f"/customers/{sam.pk}/notes/{south.pk}/delete/").status_code == 404
    assert limited.post(f"/customers/{sam.pk}/notes/", {"text": "x"}).status_code == 404
    assert _notes(alice) == ["Keep me"]
    assert _notes(sam) == ["South"]


# ------------------------------------------------------------------ API


def test_api_crud(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client]
) -> None:
    alice = customers_a["everywhere"]
    client = api_for(world.owner_a, Role.STAFF)
    base = f"/api/v1/customers/{alice.pk}/notes"
    created = client.post(base, {"text": "One"}, content_type="application/json")
    assert created.status_code == 201
    one = created.json()
    assert (one["text"], one["customer_id"], one["author_id"]) == ("One", alice.pk, None)
    assert one["author_label"]
    client.post(base, {"text": "Two"}, content_type="application/json")
    client.post(base, {"text": "Three"}, content_type="application/json")
    first = client.get(base, {"limit": 2}).json()
    assert [n["text"] for n in first["items"]] == ["One", "Two"]
    assert first["count"] == 3
    rest = client.get(base, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [n["text"] for n in rest["items"]] == ["Three"]
    assert rest["next_cursor"] is None
    url = f"{base}/{one['id']}"
    patched = client.patch(url, {"text": "Uno"}, content_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["text"] == "Uno"
    assert client.patch(url, {}, content_type="application/json").json()["text"] == "Uno"
    blank = client.patch(url, {"text": "   "}, content_type="application/json")
    assert blank.status_code == 400
    assert _fields(blank) == ["text"]
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert _notes(alice) == ["Two", "Three"]
    assert _audit(world.org_a, "customers.note.edited") == [{"text": {"old": "One", "new": "Uno"}}]


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 10_001}, {"text": "a\x00"}])
def test_api_bad_text_is_400_naming_text(
    world: World, customers_a: dict[str, Customer], api_for: Callable[..., Client], body: Any
) -> None:
    alice = customers_a["everywhere"]
    response = api_for(world.owner_a, Role.STAFF).post(
        f"/api/v1/customers/{alice.pk}/notes", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert any(f.endswith("text") for f in _fields(response))


def test_api_refuses_readonly_other_org_and_limited_staff(
    world: World,
    customers_a: dict[str, Customer],
    api_for: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    note = _add(world.owner_a, alice, "Keep me")
    south = _add(world.owner_a, sam, "South")
    json = "application/json"
    readonly = api_for(world.owner_a, Role.READONLY)
    assert readonly.get(f"/api/v1/customers/{alice.pk}/notes").status_code == 200
    url = f"/api/v1/customers/{alice.pk}/notes/{note.pk}"
    assert readonly.patch(url, {"text": "x"}, content_type=json).status_code == 403
    assert readonly.delete(url).status_code == 403
    other = api_for(world.owner_b)
    assert other.get(f"/api/v1/customers/{alice.pk}/notes").status_code == 404
    assert other.patch(url, {"text": "x"}, content_type=json).status_code == 404
    assert other.delete(url).status_code == 404
    limited = client_for(world.limited_a)  # keys cover every location; a session may not
    south_url = f"/api/v1/customers/{sam.pk}/notes/{south.pk}"
    assert limited.get(f"/api/v1/customers/{sam.pk}/notes").status_code == 404
    assert limited.patch(south_url, {"text": "x"}, content_type=json).status_code == 404
    assert limited.delete(south_url).status_code == 404
    assert _notes(alice) == ["Keep me"]
    assert _notes(sam) == ["South"]
