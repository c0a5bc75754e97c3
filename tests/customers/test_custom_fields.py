"""Custom fields: owners define them in settings and the API; customers carry typed values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.test import Client

from regulars.audit.models import AuditEntry
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.customers.custom_field_forms import (
    custom_form_domain_error,
    custom_form_fields,
    custom_form_initial,
    custom_form_values,
)
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.custom_fields import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    custom_values_clean,
    custom_values_for,
    custom_values_save,
    key_from_label,
)
from regulars.customers.models import Customer, CustomField, CustomFieldOption, CustomFieldValue
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import Member

pytestmark = pytest.mark.django_db


def _create(member: Member, **data: Any) -> CustomField:
    with tenant_scope(member.org):
        return custom_field_create(org=member.org, actor=member.actor, data=data)


def _update(member: Member, field: CustomField, **data: Any) -> CustomField:
    with tenant_scope(member.org):
        return custom_field_update(org=member.org, actor=member.actor, field_id=field.pk, data=data)


def _options(field: CustomField) -> list[tuple[int, str]]:
    with tenant_scope(field.organization):
        return list(
            CustomFieldOption.objects.filter(field=field)
            .order_by("position")
            .values_list("id", "label")
        )


def _errors(exc: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [e.field for e in exc.value.errors]


@pytest.fixture
def fields(world: World) -> dict[str, CustomField]:
    """One field of every type in org A."""
    owner = world.owner_a
    return {
        "text": _create(owner, label="Hair type", field_type="text"),
        "number": _create(owner, label="Shoe size", field_type="number"),
        "date": _create(owner, label="Member since", field_type="date"),
        "bool": _create(owner, label="Allergic", field_type="bool"),
        "choice": _create(
            owner, label="Stylist", field_type="choice", options=["Ann", "Bob", "Cleo"]
        ),
        "multi": _create(
            owner, label="Services", field_type="multi", options=["Cut", "Colour", "Perm"]
        ),
    }


def _clean(world: World, values: dict[str, Any], *, partial: bool = True) -> Any:
    with tenant_scope(world.org_a):
        return custom_values_clean(org=world.org_a, values=values, partial=partial)


def _save(world: World, customer: Customer, values: dict[str, Any]) -> dict[str, Any]:
    with tenant_scope(world.org_a):
        cleaned = custom_values_clean(org=world.org_a, values=values, partial=True)
        return custom_values_save(customer=customer, cleaned=cleaned)


def _values(world: World, customer: Customer) -> dict[str, Any]:
    with tenant_scope(world.org_a):
        return custom_values_for(customer_ids=[customer.pk])[customer.pk]


# ------------------------------------------------------------------ definitions (services)


def test_create_update_delete_and_audit(world: World, customers_a: dict[str, Customer]) -> None:
    field = _create(
        world.owner_a,
        label="  Hair type ",
        field_type="choice",
        help_text=" Ask at the first visit ",
        options=["Curly", " Straight ", "", "Wavy"],
    )
    assert (field.key, field.label, field.help_text) == (
        "hair_type",
        "Hair type",
        "Ask at the first visit",
    )
    assert [label for _id, label in _options(field)] == ["Curly", "Straight", "Wavy"]
    updated = _update(world.owner_a, field, label="Hair", required=True, position=5)
    assert (updated.label, updated.required, updated.position) == ("Hair", True, 5)
    with tenant_scope(world.org_a):
        entry = AuditEntry.objects.get(action="customers.custom_field.updated")
        assert entry.changes["label"] == {"old": "Hair type", "new": "Hair"}
        custom_field_delete(org=world.org_a, actor=world.owner_a.actor, field_id=field.pk)
        assert not CustomField.objects.exists()
        assert not CustomFieldOption.objects.exists()
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "customers.custom_field.created",
        "customers.custom_field.updated",
        "customers.custom_field.deleted",
    } <= actions


def test_new_fields_go_last_unless_a_position_is_given(world: World) -> None:
    first = _create(world.owner_a, label="A", field_type="text")
    second = _create(world.owner_a, label="B", field_type="text")
    placed = _create(world.owner_a, label="C", field_type="text", position=0)
    assert (first.position, second.position, placed.position) == (0, 1, 0)
    with tenant_scope(world.org_a):
        listed = custom_field_list(org=world.org_a, actor=world.readonly_a.actor)
        assert [f.label for f in listed] == ["A", "C", "B"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"label": "  ", "field_type": "text"}, "label"),
        ({"label": "x" * 101, "field_type": "text"}, "label"),
        ({"label": "Nul\x00", "field_type": "text"}, "label"),
        ({"label": "Hair", "field_type": "colour"}, "field_type"),
        ({"label": "Hair"}, "field_type"),
        ({"label": "Hair", "field_type": "text", "key": "Hair Type"}, "key"),
        ({"label": "Hair", "field_type": "text", "key": "1st"}, "key"),
        ({"label": "Hair", "field_type": "text", "key": "k" * 51}, "key"),
        ({"label": "Hair", "field_type": "text", "help_text": "h" * 301}, "help_text"),
        ({"label": "Hair", "field_type": "text", "position": -1}, "position"),
        ({"label": "Hair", "field_type": "text", "position": "1"}, "position"),
        ({"label": "Hair", "field_type": "choice"}, "options"),
        ({"label": "Hair", "field_type": "multi", "options": ["", " "]}, "options"),
        ({"label": "Hair", "field_type": "choice", "options": ["Curly", "curly "]}, "options"),
        ({"label": "Hair", "field_type": "choice", "options": ["o" * 101]}, "options"),
        ({"label": "Hair", "field_type": "choice", "options": "not a list"}, "options"),
        ({"label": "Hair", "field_type": "text", "options": ["Curly"]}, "options"),
    ],
)
def test_bad_definitions_name_the_field(world: World, data: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, **data)
    assert _errors(exc) == [field]
    with tenant_scope(world.org_a):
        assert not CustomField.objects.exists()


def test_key_and_label_are_unique_in_the_organization(world: World) -> None:
    _create(world.owner_a, label="Hair type", field_type="text")
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, label="Other", key="hair_type", field_type="text")
    assert _errors(exc) == ["key"]
    with pytest.raises(DomainError) as exc:
        _create(world.owner_a, label="HAIR TYPE", key="hair2", field_type="text")
    assert _errors(exc) == ["label"]
    other = _create(world.owner_a, label="Other", field_type="text")
    with pytest.raises(DomainError) as exc:
        _update(world.owner_a, other, label="hair type")
    assert _errors(exc) == ["label"]
    # Another organization may use the same key and label.
    assert _create(world.owner_b, label="Hair type", field_type="text").key == "hair_type"


def test_key_and_type_cannot_change(world: World) -> None:
    field = _create(world.owner_a, label="Hair", field_type="text")
    for name, value in (("key", "other"), ("field_type", "number")):
        with pytest.raises(DomainError) as exc:
            _update(world.owner_a, field, **{name: value})
        assert _errors(exc) == [name]
    # The current values are accepted (a client sending the whole record back).
    same = _update(world.owner_a, field, key="hair", field_type="text", label="Hair!")
    assert (same.key, same.field_type, same.label) == ("hair", "text", "Hair!")


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Hair type", "hair_type"),
        ("Café crème (cm)", "cafe_creme_cm"),
        ("2nd phone", "field_2nd_phone"),
        ("!!!", "field"),
    ],
)
def test_key_from_label(label: str, key: str) -> None:
    assert key_from_label(label) == key


def test_options_keep_ids_and_removed_ones_take_their_values(
    world: World, fields: dict[str, CustomField], customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    multi = fields["multi"]
    before = {label: pk for pk, label in _options(multi)}
    _save(world, alice, {"services": ["Cut", "Perm"]})
    _update(world.owner_a, multi, options=["perm", "Cut", "Blow-dry"])
    after = _options(multi)
    assert [label for _pk, label in after] == ["perm", "Cut", "Blow-dry"]
    assert after[0][0] == before["Perm"] and after[1][0] == before["Cut"]
    assert _values(world, alice)["services"] == ["perm", "Cut"]
    _update(world.owner_a, multi, options=["Blow-dry"])
    assert _values(world, alice)["services"] == []
    with tenant_scope(world.org_a):
        entry = (
            AuditEntry.objects.filter(action="customers.custom_field.updated").order_by("id").last()
        )
        assert entry is not None
        assert entry.changes["options"] == {"old": ["perm", "Cut", "Blow-dry"], "new": ["Blow-dry"]}
    with pytest.raises(DomainError) as exc:
        _update(world.owner_a, multi, options=[])
    assert _errors(exc) == ["options"]


def test_deleting_a_field_deletes_its_values(
    world: World, fields: dict[str, CustomField], customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    _save(world, alice, {"hair_type": "Curly", "services": ["Cut", "Perm"]})
    with tenant_scope(world.org_a):
        custom_field_delete(org=world.org_a, actor=world.owner_a.actor, field_id=fields["multi"].pk)
        assert CustomFieldValue.objects.filter(customer=alice).count() == 1
        entry = AuditEntry.objects.get(action="customers.custom_field.deleted")
        assert entry.changes["customers_with_a_value"] == 1
    assert "services" not in _values(world, alice)


def test_only_owners_manage_definitions(world: World) -> None:
    field = _create(world.owner_a, label="Hair", field_type="text")
    for member in (world.manager_a, world.staff_a, world.readonly_a):
        with pytest.raises(Forbidden):
            _create(member, label="X", field_type="text")
        with pytest.raises(Forbidden):
            _update(member, field, label="X")
        with tenant_scope(world.org_a), pytest.raises(Forbidden):
            custom_field_delete(org=world.org_a, actor=member.actor, field_id=field.pk)
        with tenant_scope(world.org_a):
            assert custom_field_list(org=world.org_a, actor=member.actor).count() == 1


def test_another_organizations_field_is_not_found(world: World) -> None:
    theirs = _create(world.owner_b, label="Beta field", field_type="text")
    with pytest.raises(NotFound):
        _update(world.owner_a, theirs, label="X")
    with tenant_scope(world.org_a), pytest.raises(NotFound):
        custom_field_delete(org=world.org_a, actor=world.owner_a.actor, field_id=theirs.pk)


# ------------------------------------------------------------------ values: cleaning


@pytest.mark.usefixtures("fields")
@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("hair_type", "  Curly  ", "Curly"),
        ("hair_type", 42, "42"),
        ("hair_type", "x" * 1000, "x" * 1000),
        ("shoe_size", 42, Decimal("42")),
        ("shoe_size", 7.5, Decimal("7.5")),
        ("shoe_size", " -3.1250 ", Decimal("-3.125")),
        ("shoe_size", Decimal("99999999999999.9999"), Decimal("99999999999999.9999")),
        ("member_since", "2024-02-29", date(2024, 2, 29)),
        ("member_since", date(1800, 1, 1), date(1800, 1, 1)),
        ("allergic", True, True),
        ("allergic", "yes", True),
        ("allergic", "ON", True),
        ("allergic", "1", True),
        ("allergic", 0, False),
        ("allergic", "No", False),
        ("allergic", "false", False),
    ],
)
def test_good_values_are_cleaned(world: World, key: str, raw: Any, expected: Any) -> None:
    assert _clean(world, {key: raw}).values[key] == expected


@pytest.mark.usefixtures("fields")
@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("hair_type", "x" * 1001),
        ("hair_type", "nul\x00"),
        ("hair_type", True),
        ("hair_type", {"a": 1}),
        ("shoe_size", "twelve"),
        ("shoe_size", "NaN"),
        ("shoe_size", "Infinity"),
        ("shoe_size", float("inf")),
        ("shoe_size", "1e999999999"),
        ("shoe_size", "-1e999999999"),
        ("shoe_size", "1e-999999999"),
        ("shoe_size", "100000000000000"),
        ("shoe_size", "1.23456"),
        ("shoe_size", "9" * 5000),
        ("shoe_size", True),
        ("shoe_size", [1]),
        ("member_since", "2023-02-29"),
        ("member_since", "01/02/2024"),
        ("member_since", "1799-12-31"),
        ("member_since", "2201-01-01"),
        ("member_since", 20240101),
        ("allergic", "maybe"),
        ("allergic", 2),
        ("allergic", [True]),
        ("stylist", "Zed"),
        ("stylist", 2**40),
        ("stylist", True),
        ("stylist", ["Ann"]),
        ("services", ["Cut", "Nope"]),
        ("services", [{"x": 1}]),
        ("services", ["Cut"] * 501),
    ],
)
def test_bad_values_name_the_field(world: World, key: str, raw: Any) -> None:
    with pytest.raises(DomainError) as exc:
        _clean(world, {key: raw})
    assert _errors(exc) == [f"custom_fields.{key}"]
    assert exc.value.errors[0].message


def test_choices_by_id_or_label_in_any_case(world: World, fields: dict[str, CustomField]) -> None:
    ids = {label: pk for pk, label in _options(fields["choice"])}
    multi = {label: pk for pk, label in _options(fields["multi"])}
    assert _clean(world, {"stylist": ids["Bob"]}).values["stylist"][0].label == "Bob"
    assert _clean(world, {"stylist": " bOB "}).values["stylist"][0].label == "Bob"
    cleaned = _clean(world, {"services": ["perm", multi["Cut"], "CUT"]}).values["services"]
    assert [o.label for o in cleaned] == ["Cut", "Perm"]
    assert [o.label for o in _clean(world, {"services": "colour"}).values["services"]] == ["Colour"]
    # Another field's option id is not this field's.
    with pytest.raises(DomainError):
        _clean(world, {"stylist": multi["Cut"]})


@pytest.mark.usefixtures("fields")
def test_empty_values_clear(world: World) -> None:
    cleaned = _clean(
        world, {"hair_type": "  ", "shoe_size": None, "services": [], "stylist": "", "allergic": ""}
    )
    assert set(cleaned.values.values()) == {None}


@pytest.mark.usefixtures("fields")
def test_unknown_keys_and_missing_required_fields(world: World) -> None:
    _create(world.owner_a, label="Card", field_type="text", required=True)
    with pytest.raises(DomainError) as exc:
        _clean(world, {"nope": 1, "hair_type": "x"}, partial=True)
    assert _errors(exc) == ["custom_fields.nope"]
    with pytest.raises(DomainError) as exc:
        _clean(world, {"hair_type": "x"}, partial=False)
    assert _errors(exc) == ["custom_fields.card"]
    with pytest.raises(DomainError) as exc:
        _clean(world, {"card": "  "}, partial=True)
    assert _errors(exc) == ["custom_fields.card"]
    assert _clean(world, {"hair_type": "x"}, partial=True).values == {"hair_type": "x"}
    # Every problem is reported at once.
    with pytest.raises(DomainError) as exc:
        _clean(world, {"shoe_size": "x", "allergic": "x"}, partial=False)
    assert sorted(_errors(exc)) == [
        "custom_fields.allergic",
        "custom_fields.card",
        "custom_fields.shoe_size",
    ]


def test_another_organizations_keys_are_unknown(world: World) -> None:
    _create(world.owner_b, label="Beta only", field_type="text")
    with pytest.raises(DomainError) as exc:
        _clean(world, {"beta_only": "x"})
    assert _errors(exc) == ["custom_fields.beta_only"]


# ------------------------------------------------------------------ values: saving and reading


def test_save_replace_clear_and_read_every_type(
    world: World, fields: dict[str, CustomField], customers_a: dict[str, Customer]
) -> None:
    alice, sam = customers_a["everywhere"], customers_a["south_only"]
    empty = {
        "hair_type": None,
        "shoe_size": None,
        "member_since": None,
        "allergic": None,
        "stylist": None,
        "services": [],
    }
    assert _values(world, alice) == empty
    changes = _save(
        world,
        alice,
        {
            "hair_type": "Curly",
            "shoe_size": "38.50",
            "member_since": "2020-01-31",
            "allergic": "no",
            "stylist": "cleo",
            "services": ["Perm", "Cut"],
        },
    )
    expected = {
        "hair_type": "Curly",
        "shoe_size": "38.5",
        "member_since": "2020-01-31",
        "allergic": False,
        "stylist": "Cleo",
        "services": ["Cut", "Perm"],
    }
    assert changes == {key: (empty[key], value) for key, value in expected.items()}
    assert _values(world, alice) == expected
    assert list(_values(world, alice)) == list(empty)  # form order
    # The same values again change nothing; a replace and a clear report old → new.
    assert _save(world, alice, {"services": ["Cut", "Perm"], "stylist": "Cleo"}) == {}
    changes = _save(world, alice, {"services": ["Colour"], "hair_type": None, "shoe_size": 100})
    assert changes == {
        "services": (["Cut", "Perm"], ["Colour"]),
        "hair_type": ("Curly", None),
        "shoe_size": ("38.5", "100"),
    }
    with tenant_scope(world.org_a):
        assert CustomFieldValue.objects.filter(customer=alice, field=fields["multi"]).count() == 1
        assert not CustomFieldValue.objects.filter(customer=alice, field=fields["text"]).exists()
        both = custom_values_for(customer_ids=[alice.pk, sam.pk])
    assert both[sam.pk] == empty
    assert both[alice.pk]["services"] == ["Colour"]
    assert both[alice.pk]["shoe_size"] == "100"


def test_values_for_many_customers_take_two_queries(
    world: World,
    fields: dict[str, CustomField],
    customers_a: dict[str, Customer],
    django_assert_num_queries: Any,
) -> None:
    for customer in customers_a.values():
        _save(world, customer, {"services": ["Cut", "Perm"], "hair_type": customer.last_name})
    ids = [c.pk for c in customers_a.values()]
    with tenant_scope(world.org_a), django_assert_num_queries(2):
        values = custom_values_for(customer_ids=ids)
    assert [values[pk]["hair_type"] for pk in ids] == ["Everywhere", "Southside"]


def test_cleaned_values_of_another_organization_are_not_saved(
    world: World, fields: dict[str, CustomField], customers_a: dict[str, Customer]
) -> None:
    from tests.factories import make_customer

    olga = make_customer(world.org_b, "Olga", "Other")
    cleaned = _clean(world, {"hair_type": "x"})
    with tenant_scope(world.org_b), pytest.raises(NotFound):
        custom_values_save(customer=olga, cleaned=cleaned)


# ------------------------------------------------------------------ form fields


def test_form_fields_round_trip(
    world: World, fields: dict[str, CustomField], customers_a: dict[str, Customer]
) -> None:
    alice = customers_a["everywhere"]
    _update(world.owner_a, fields["text"], required=True, help_text="As the customer says")
    with tenant_scope(world.org_a):
        definitions = list(custom_field_list(org=world.org_a, actor=world.staff_a.actor))
    form_fields = custom_form_fields(definitions)
    assert list(form_fields) == [
        "cf_hair_type",
        "cf_shoe_size",
        "cf_member_since",
        "cf_allergic",
        "cf_stylist",
        "cf_services",
    ]
    text = form_fields["cf_hair_type"]
    assert (text.label, text.help_text, text.required) == (
        "Hair type",
        "As the customer says",
        True,
    )
    assert isinstance(form_fields["cf_shoe_size"], forms.DecimalField)
    assert form_fields["cf_member_since"].widget.input_type == "date"  # type: ignore[attr-defined]
    assert isinstance(form_fields["cf_services"].widget, forms.CheckboxSelectMultiple)

    form_class = type("ValuesForm", (forms.Form,), dict(form_fields))
    form = form_class(
        data={
            "cf_hair_type": " Curly ",
            "cf_shoe_size": "38.5",
            "cf_member_since": "2020-01-31",
            "cf_allergic": "yes",
            "cf_stylist": "Bob",
            "cf_services": ["Cut", "Perm"],
        }
    )
    assert form.is_valid(), form.errors
    values = custom_form_values(form.cleaned_data)
    with tenant_scope(world.org_a):
        cleaned = custom_values_clean(org=world.org_a, values=values, partial=False)
        custom_values_save(customer=alice, cleaned=cleaned)
    stored = _values(world, alice)
    assert stored == {
        "hair_type": "Curly",
        "shoe_size": "38.5",
        "member_since": "2020-01-31",
        "allergic": True,
        "stylist": "Bob",
        "services": ["Cut", "Perm"],
    }
    initial = custom_form_initial(stored)
    assert initial["cf_allergic"] == "yes" and initial["cf_services"] == ["Cut", "Perm"]
    again = form_class(initial=initial)
    assert 'value="2020-01-31"' in str(again["cf_member_since"])
    assert "checked" in str(again["cf_services"])

    # Emptied fields clear; the required one is refused with a message for its form field.
    blank = form_class(data={"cf_hair_type": "x", "cf_allergic": "", "cf_stylist": ""})
    assert blank.is_valid(), blank.errors
    assert custom_form_values(blank.cleaned_data) == {
        "hair_type": "x",
        "shoe_size": None,
        "member_since": None,
        "allergic": None,
        "stylist": None,
        "services": None,
    }
    with tenant_scope(world.org_a), pytest.raises(DomainError) as exc:
        custom_values_clean(org=world.org_a, values={"hair_type": None}, partial=True)
    assert [e.field for e in custom_form_domain_error(exc.value).errors] == ["cf_hair_type"]


# ------------------------------------------------------------------ pages


def test_pages_add_edit_and_delete(world: World, client_for: Callable[..., Client]) -> None:
    client = client_for(world.owner_a)
    assert b"No custom fields yet" in client.get("/settings/custom-fields/").content
    response = client.post(
        "/settings/custom-fields/new/",
        {"label": "Stylist", "key": "", "field_type": "choice", "options": "Ann\r\nBob\r\n\r\n"},
    )
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        field = CustomField.objects.get()
    assert (field.key, [label for _pk, label in _options(field)]) == ("stylist", ["Ann", "Bob"])
    page = client.get("/settings/custom-fields/").content.decode()
    assert "Stylist" in page and "One of a list" in page and "Ann, Bob" in page
    edit = client.get(f"/settings/custom-fields/{field.pk}/").content.decode()
    assert "Ann\nBob</textarea>" in edit
    assert 'name="key"' not in edit and 'name="field_type"' not in edit
    assert 'data-confirm="Delete the custom field Stylist?' in edit
    response = client.post(
        f"/settings/custom-fields/{field.pk}/",
        {"label": "Stylist", "options": "Bob\nCleo", "required": "on", "position": "3"},
    )
    assert response.status_code == 302
    assert [label for _pk, label in _options(field)] == ["Bob", "Cleo"]
    response = client.post(f"/settings/custom-fields/{field.pk}/delete/")
    assert response.status_code == 302
    with tenant_scope(world.org_a):
        assert not CustomField.objects.exists()


def test_page_errors_keep_the_input_and_land_on_the_field(
    world: World, client_for: Callable[..., Client]
) -> None:
    client = client_for(world.owner_a)
    _create(world.owner_a, label="Stylist", field_type="text")
    response = client.post(
        "/settings/custom-fields/new/",
        {"label": "stylist", "key": "other", "field_type": "choice", "options": "Ann"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["label"]
    assert 'value="other"' in response.content.decode()
    response = client.post(
        "/settings/custom-fields/new/", {"label": "Hair", "field_type": "multi", "options": ""}
    )
    assert list(response.context["form"].errors) == ["options"]
    response = client.post(
        "/settings/custom-fields/new/", {"label": "Hair", "key": "Bad Key", "field_type": "text"}
    )
    assert list(response.context["form"].errors) == ["key"]


@pytest.mark.parametrize("persona", ["manager_a", "staff_a", "readonly_a"])
def test_pages_are_for_owners(
    world: World, client_for: Callable[..., Client], persona: str
) -> None:
    field = _create(world.owner_a, label="Hair", field_type="text")
    client = client_for(getattr(world, persona))
    assert client.get("/settings/custom-fields/").status_code == 403
    assert (
        client.post(
            "/settings/custom-fields/new/", {"label": "X", "field_type": "text"}
        ).status_code
        == 403
    )
    assert client.post(f"/settings/custom-fields/{field.pk}/", {"label": "X"}).status_code == 403
    assert client.post(f"/settings/custom-fields/{field.pk}/delete/").status_code == 403
    assert "Custom fields" not in client.get("/customers/").content.decode()
    with tenant_scope(world.org_a):
        assert CustomField.objects.get().label == "Hair"


def test_pages_of_another_organizations_field_are_404(
    world: World, client_for: Callable[..., Client]
) -> None:
    theirs = _create(world.owner_b, label="Beta field", field_type="text")
    client = client_for(world.owner_a)
    assert client.get(f"/settings/custom-fields/{theirs.pk}/").status_code == 404
    assert client.post(f"/settings/custom-fields/{theirs.pk}/delete/").status_code == 404
    assert "Beta field" not in client.get("/settings/custom-fields/").content.decode()
    assert "Custom fields" in client.get("/settings/custom-fields/").content.decode()


# ------------------------------------------------------------------ API


def test_api_crud(world: World, api_for: Callable[..., Client]) -> None:
    client = api_for(world.owner_a)
    response = client.post(
        "/api/v1/custom-fields",
        {"label": "Stylist", "field_type": "choice", "options": ["Ann", "Bob"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    field_id = body["id"]
    assert body["key"] == "stylist"
    assert [o["label"] for o in body["options"]] == ["Ann", "Bob"]
    assert set(body) == {
        "id",
        "key",
        "label",
        "help_text",
        "field_type",
        "required",
        "visible_to_customer",
        "position",
        "options",
        "created_at",
    }
    ann_id = body["options"][0]["id"]
    response = client.patch(
        f"/api/v1/custom-fields/{field_id}",
        {"options": ["Ann", "Cleo"], "visible_to_customer": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["options"][0] == {"id": ann_id, "label": "Ann"}
    assert response.json()["visible_to_customer"] is True
    response = client.patch(
        f"/api/v1/custom-fields/{field_id}", {"field_type": "text"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["field_type"]
    listed = client.get("/api/v1/custom-fields").json()
    assert listed["count"] == 1 and listed["items"][0]["label"] == "Stylist"
    assert client.get(f"/api/v1/custom-fields/{field_id}").json()["key"] == "stylist"
    assert client.delete(f"/api/v1/custom-fields/{field_id}").status_code == 204
    assert client.get(f"/api/v1/custom-fields/{field_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "X", "field_type": "choice"}, "options"),
        ({"label": "X", "field_type": "nope"}, "field_type"),
        ({"label": "", "field_type": "text"}, "label"),
        ({"label": "X", "field_type": "text", "key": "Bad"}, "key"),
        ({"label": "X", "field_type": "text", "required": 1}, "required"),
        ({"label": "X", "field_type": "text", "position": 40000}, "position"),
        ({"label": "X", "field_type": "choice", "options": ["a\u0000"]}, "options.0"),
        ({"label": "X", "field_type": "choice", "options": [""]}, "options.0"),
        ({"label": "X", "field_type": "choice", "options": [1]}, "options.0"),
        ({"label": "X", "field_type": "choice", "options": ["o"] * 201}, "options"),
        ({"label": "X", "field_type": "choice", "options": ["A", "a"]}, "options"),
    ],
)
def test_api_bad_bodies_name_the_field(
    world: World, api_for: Callable[..., Client], body: dict[str, Any], field: str
) -> None:
    response = api_for(world.owner_a).post(
        "/api/v1/custom-fields", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("role", ["manager", "staff", "readonly"])
def test_api_writes_are_for_owners_reads_for_all(
    world: World, api_for: Callable[..., Client], role: str
) -> None:
    field = _create(world.owner_a, label="Hair", field_type="text")
    client = api_for(world.owner_a, role)
    assert client.get("/api/v1/custom-fields").json()["count"] == 1
    assert client.get(f"/api/v1/custom-fields/{field.pk}").status_code == 200
    for response in (
        client.post(
            "/api/v1/custom-fields",
            {"label": "X", "field_type": "text"},
            content_type="application/json",
        ),
        client.patch(
            f"/api/v1/custom-fields/{field.pk}", {"label": "X"}, content_type="application/json"
        ),
        client.delete(f"/api/v1/custom-fields/{field.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_api_another_organizations_field_is_404(
    world: World, api_for: Callable[..., Client]
) -> None:
    theirs = _create(world.owner_b, label="Beta field", field_type="text")
    client = api_for(world.owner_a)
    assert client.get(f"/api/v1/custom-fields/{theirs.pk}").status_code == 404
    assert (
        client.patch(
            f"/api/v1/custom-fields/{theirs.pk}", {"label": "X"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/custom-fields/{theirs.pk}").status_code == 404
    assert client.get("/api/v1/custom-fields").json()["count"] == 0
