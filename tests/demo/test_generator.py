"""The demo generator (pure, deterministic) and its bulk loader."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import transaction

from regulars.audit.models import AuditEntry
from regulars.audit.services import AuditItem, audit_record_many
from regulars.customers.models import (
    Category,
    ConsentEvent,
    Customer,
    CustomFieldValue,
    Note,
    Reminder,
)
from regulars.customers.normalize import email_key, normalize_email, normalize_phone
from regulars.demo.generator import CUSTOM_FIELDS, CustomerGenerator, luhn
from regulars.demo.loader import _audit_created, customers_load, demo_plan_create
from regulars.demo.org import DEMO_SLUG
from regulars.tenancy.access import Channel, system_actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

SAMPLE = 3000


def test_same_seed_same_rows_and_slices_match_a_bigger_run() -> None:
    big = list(CustomerGenerator(7).rows(0, 2000))
    assert big == list(CustomerGenerator(7).rows(0, 2000))
    assert list(CustomerGenerator(7).rows(1234, 300)) == big[1234:1534]
    assert CustomerGenerator(7).row(1999) == big[1999]
    assert big != list(CustomerGenerator(8).rows(0, 2000))


def test_rows_have_variety() -> None:
    rows = list(CustomerGenerator(1).rows(0, SAMPLE))
    names = {r.first_name for r in rows} | {r.last_name for r in rows}
    text = "".join(names)
    for ch in "øłđßæéüñç":
        assert ch in text, ch
    assert {"Ng", "Li", "Wu", "Le", "Do", "Om"} <= {r.last_name for r in rows}
    assert any(" " in r.first_name for r in rows)  # "Mary Ann", "Juan Carlos"
    assert sum(bool(r.company) for r in rows) > SAMPLE * 0.1
    raws = [r.phone_mobile_raw for r in rows if r.phone_mobile_raw]
    assert any(raw.startswith("+") for raw in raws)  # international
    assert any(raw.startswith("00") for raw in raws)  # international, with the IDD
    assert any(raw.startswith("0") and not raw.startswith("00") for raw in raws)  # national
    assert any(r.email_raw != r.email for r in rows)  # typed with capitals or spaces
    assert len({r.country for r in rows if r.country}) >= 8
    genders = Counter(r.gender for r in rows)
    assert genders["female"] and genders["male"] and genders["another"] and genders[""]
    assert any(r.date_of_birth for r in rows) and any(not r.date_of_birth for r in rows)
    assert any(r.duplicate_of is not None for r in rows)
    assert 0.15 < sum(bool(r.notes) for r in rows) / SAMPLE < 0.25
    assert 0.03 < sum(r.reminder is not None for r in rows) / SAMPLE < 0.07
    assert {key for r in rows for key in r.custom} == {f.key for f in CUSTOM_FIELDS}
    # Nothing non-NFC: what is typed in a form arrives composed.
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


@pytest.mark.parametrize("region", ["GB", "US", "DE", "AU", "JP"])
def test_normalised_values_are_what_normalize_produces(region: str) -> None:
    rows = list(CustomerGenerator(3, region=region).rows(0, SAMPLE))
    checked = 0
    for r in rows:
        assert normalize_email(r.email_raw) == r.email
        for raw, e164 in (
            (r.phone_mobile_raw, r.phone_mobile),
            (r.phone_home_raw, r.phone_home),
            (r.phone_work_raw, r.phone_work),
        ):
            assert normalize_phone(raw, region=region) == e164, raw
            if e164:
                assert phonenumbers.is_valid_number(phonenumbers.parse(e164)), e164
                checked += 1
    assert checked > SAMPLE


def test_identifiers_are_unique_and_tagged() -> None:
    rows = list(CustomerGenerator(5, tag="s9-", email_rate=1.0, duplicate_rate=0).rows(0, SAMPLE))
    cards = [r.loyalty_card for r in rows if r.loyalty_card]
    externals = [r.external_id for r in rows if r.external_id]
    assert len(set(cards)) == len(cards) and all(c.startswith("s9-") for c in cards)
    assert len(set(externals)) == len(externals)
    assert len({r.email for r in rows}) == SAMPLE
    assert all(f".s9-{r.index}@" in r.email for r in rows)
    assert luhn("7992739871") == "79927398713"


def test_a_duplicate_is_the_earlier_person_re_entered() -> None:
    gen = CustomerGenerator(2, duplicate_rate=0.5)
    dup = next(r for r in gen.rows(1, 200) if r.duplicate_of is not None)
    assert dup.duplicate_of is not None
    other = gen.row_unduplicated(dup.duplicate_of)
    assert dup.phone_mobile == other.phone_mobile
    assert dup.postal_code == other.postal_code
    assert dup.loyalty_card in ("", gen.row_unduplicated(dup.index).loyalty_card)


@pytest.mark.django_db
def test_loader_loads_every_kind_of_row(world: World) -> None:
    org = world.org_a
    count = 500
    rows = list(CustomerGenerator(11, region=org.country).rows(0, count))
    seen: list[int] = []
    with tenant_scope(org):
        actor = system_actor(org, channel=Channel.CLI)
        with transaction.atomic():
            plan = demo_plan_create(org=org, actor=actor)
        assert (
            customers_load(
                org=org,
                actor=actor,
                generator=CustomerGenerator(11, region=org.country),
                count=count,
                plan=plan,
                batch_size=150,
                progress=seen.append,
            )
            == count
        )
        assert seen == [150, 300, 450, 500]
        customers = list(Customer.objects.order_by("id"))
        assert len(customers) == count
        assert len({c.account_number for c in customers}) == count
        cards = [c.loyalty_card for c in customers if c.loyalty_card]
        assert len(cards) == len(set(cards)) == sum(bool(r.loyalty_card) for r in rows)
        externals = [c.external_id for c in customers if c.external_id]
        assert len(externals) == len(set(externals)) == sum(bool(r.external_id) for r in rows)
        for customer, row in zip(customers, rows, strict=True):
            assert customer.first_name == row.first_name
            assert customer.email == row.email and customer.email_key == email_key(row.email)
            assert customer.phone_mobile == row.phone_mobile
            assert customer.date_of_birth == row.date_of_birth
            assert customer.discount_percent == row.discount_percent
            assert customer.created_at == customer.updated_at
        assert len({c.created_at.date() for c in customers}) > 100  # back-dated over years
        assert Customer.categories.through.objects.count() == sum(len(r.categories) for r in rows)
        assert Category.objects.count() == len(plan.categories) == 6
        limited = [c for c in customers if not c.all_locations]
        assert Customer.locations.through.objects.count() == len(limited) > 0
        values = CustomFieldValue.objects.select_related("field")
        assert {v.field.field_type for v in values} == {
            "text",
            "number",
            "date",
            "bool",
            "choice",
            "multi",
        }
        expected = sum(
            len(v) if isinstance(v, tuple) else 1 for r in rows for v in r.custom.values()
        )
        assert values.count() == expected
        assert Note.objects.count() == sum(len(r.notes) for r in rows) > 0
        reminders = list(Reminder.objects.all())
        assert len(reminders) == sum(r.reminder is not None for r in rows) > 0
        staff = {m.user.pk for m in (world.owner_a, world.manager_a, world.staff_a)}
        assert {r.assigned_to_id for r in reminders} <= staff | {
            world.readonly_a.user.pk,
            world.limited_a.user.pk,
        }
        assert ConsentEvent.objects.count() == sum(
            (r.email_consent != "unknown" or r.email_blocked)
            + (r.sms_consent != "unknown" or r.sms_blocked)
            for r in rows
        )
        created = AuditEntry.objects.filter(action="customers.customer.created")
        assert sorted(int(e.target_id) for e in created) == [c.pk for c in customers]
    with tenant_scope(world.org_b):
        assert not Customer.objects.exists()


@pytest.mark.django_db
def test_raw_audit_rows_equal_what_audit_record_many_writes(world: World) -> None:
    org = world.org_a
    row = dataclasses.replace(CustomerGenerator(1).row(3), first_name="", last_name="")
    actor = world.owner_a.actor
    with tenant_scope(org):
        customer = Customer.objects.create(
            organization=org, account_number="X1", company=row.company, email=row.email
        )
        _audit_created(org=org, actor=actor, ids=[customer.pk], rows=[row], source="demo")
        audit_record_many(
            org=org,
            actor=actor,
            items=[AuditItem("customers.customer.created", customer, {"source": "demo"})],
        )
        raw, orm = AuditEntry.objects.filter(customer_id=customer.pk).order_by("id").values()
    for entry in (raw, orm):
        entry.pop("id")
        entry.pop("created_at")
    assert raw == orm


@pytest.mark.django_db(transaction=True)
def test_demo_command_loads_customers(
    capsys: pytest.CaptureFixture[str], settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    call_command("demo", "--customers", "120")
    out = capsys.readouterr().out
    assert "owner@demo.regulars.test" in out and "Took " in out and "MB" in out
    org = Organization.objects.get(slug=DEMO_SLUG)
    with tenant_scope(org):
        assert Customer.objects.count() == 120
        assert Reminder.objects.exclude(assigned_to=None).exists()


def test_a_large_load_leaves_planner_statistics(world: World) -> None:
    """After a large load the planner knows the organization index matches every row (so
    SQLite finds a page's custom values by customer, not by organization)."""
    from django.db import connection

    from regulars.demo.loader import ANALYZED, _analyze

    org = world.org_a
    with tenant_scope(org):
        actor = system_actor(org, channel=Channel.CLI)
        with transaction.atomic():
            plan = demo_plan_create(org=org, actor=actor)
        customers_load(org=org, actor=actor, generator=CustomerGenerator(7), count=200, plan=plan)
        _analyze()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute(
                "SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(%s)",
                [list(ANALYZED)],
            )
        analysed = {row[0] for row in cursor.fetchall()}
    assert {"customers_customer", "customers_customfieldvalue"} <= analysed
