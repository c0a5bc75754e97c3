"""The filter and column registries: parsing, querying, words, sorting, keyset paging and
the plans both databases choose for every filter and sort."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.test import Client

from regulars.core.errors import DomainError
from regulars.core.paging import _nullable, _ordering, keyset_page
from regulars.customers import selectors
from regulars.customers.columns import COLUMNS, columns_for, parse_sort, sortable_columns
from regulars.customers.filters import FILTERS, FilterSet, filters_for, parse_filters
from regulars.customers.filters.base import local_today
from regulars.customers.filters.dates import years_before
from regulars.customers.models import (
    Category,
    Customer,
    CustomField,
    CustomFieldOption,
    CustomFieldValue,
    Reminder,
)
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.factories import make_customer


@dataclass
class Seed:
    org: Organization
    actor: Actor
    vip: Category
    regular: Category
    foreign_category: int
    foreign_location: int
    shoe: CustomField
    hair: CustomField
    curly: CustomFieldOption
    straight: CustomFieldOption
    note: CustomField
    joined: CustomField
    member: CustomField


def _customer(org: Organization, last: str, **fields: Any) -> Customer:
    customer = make_customer(org, last.lower(), last, email=fields.pop("email", ""))
    with tenant_scope(org):
        if fields:
            Customer.objects.filter(pk=customer.pk).update(**fields)
        customer.refresh_from_db()
    return customer


def _value(org: Organization, customer: Customer, field: CustomField, **value: Any) -> None:
    with tenant_scope(org):
        CustomFieldValue.objects.create(organization=org, customer=customer, field=field, **value)


@pytest.fixture
def seed(world: World) -> Seed:
    org = world.org_a
    org.time_zone = "Australia/Sydney"
    org.save(update_fields=["time_zone"])
    today = local_today(org)
    with tenant_scope(world.org_b):
        foreign_category = Category.objects.create(organization=world.org_b, name="Theirs").pk
    with tenant_scope(org):
        vip = Category.objects.create(organization=org, name="VIP")
        regular = Category.objects.create(organization=org, name="Regular")
        shoe = CustomField.objects.create(
            organization=org, key="shoe_size", label="Shoe size", field_type="number"
        )
        hair = CustomField.objects.create(
            organization=org, key="hair", label="Hair", field_type="choice"
        )
        curly = CustomFieldOption.objects.create(organization=org, field=hair, label="Curly")
        straight = CustomFieldOption.objects.create(organization=org, field=hair, label="Straight")
        note = CustomField.objects.create(
            organization=org, key="note", label="Note", field_type="text"
        )
        joined = CustomField.objects.create(
            organization=org, key="joined", label="Joined", field_type="date"
        )
        member = CustomField.objects.create(
            organization=org, key="member", label="Member", field_type="bool"
        )
    ann = _customer(
        org,
        "Ann",
        region="NSW",
        city="Sydney",
        postal_code="2000",
        country="AU",
        gender="female",
        date_of_birth=years_before(today, 35),
        email="ann@a.test",
        email_consent="opted_in",
        phone_mobile="+61400000001",
    )
    ben = _customer(
        org,
        "Ben",
        region="VIC",
        city="Melbourne",
        postal_code="3000",
        country="AU",
        gender="male",
        date_of_birth=years_before(today + timedelta(days=3), 50),
        source="import",
        sms_consent="opted_out",
    )
    cat = _customer(
        org,
        "Cat",
        region="NSW",
        city="Newcastle",
        postal_code="2300",
        country="NZ",
        date_of_birth=years_before(today, 20),
        email="cat@a.test",
        status="deactivated",
    )
    dan = _customer(org, "Dan", email="dan@a.test", email_invalid_at=ann.created_at)
    with tenant_scope(org):
        ann.categories.add(vip, regular)
        ben.categories.add(vip)
        cat.categories.add(regular)
        dan.locations.set([world.loc_a1])
        Customer.objects.filter(pk=dan.pk).update(all_locations=False)
        Reminder.objects.create(organization=org, customer=ben, text="Call", due_date=today)
        Reminder.objects.create(
            organization=org, customer=cat, text="Later", due_date=today + timedelta(days=30)
        )
    _value(org, ann, shoe, number_value=Decimal("38"))
    _value(org, ben, shoe, number_value=Decimal("44"))
    _value(org, ann, hair, option=curly)
    _value(org, ben, hair, option=straight)
    _value(org, ann, note, text_value="Likes tea")
    _value(org, ben, joined, date_value=date(2020, 5, 1))
    _value(org, ann, member, bool_value=True)
    _value(org, ben, member, bool_value=False)
    return Seed(
        org=org,
        actor=world.owner_a.actor,
        vip=vip,
        regular=regular,
        foreign_category=foreign_category,
        foreign_location=world.loc_b1.pk,
        shoe=shoe,
        hair=hair,
        curly=curly,
        straight=straight,
        note=note,
        joined=joined,
        member=member,
    )


def _parse(seed: Seed, query: str) -> FilterSet:
    return parse_filters(org=seed.org, actor=seed.actor, data=QueryDict(query))


def _names(seed: Seed, query: str) -> list[str]:
    with tenant_scope(seed.org):
        filters = _parse(seed, query)
        customers = selectors.customer_list(
            org=seed.org, actor=seed.actor, status=filters.status, filters=filters
        )
        return sorted(customers.values_list("last_name", flat=True))


# Each filter: (query, who matches; status=all so deactivated Cat counts).
CASES = [
    ("", ["Ann", "Ben", "Dan"]),
    ("status=all", ["Ann", "Ben", "Cat", "Dan"]),
    ("status=deactivated", ["Cat"]),
    ("status=all&category__any={vip},{regular}", ["Ann", "Ben", "Cat"]),
    ("status=all&category__all={vip},{regular}", ["Ann"]),
    ("status=all&category__none={vip}", ["Cat", "Dan"]),
    ("status=all&category__any={vip}&category__none={regular}", ["Ben"]),
    ("location={loc2}", ["Ann", "Ben"]),
    ("location={loc1}", ["Ann", "Ben", "Dan"]),
    ("status=all&state=NSW", ["Ann", "Cat"]),
    ("status=all&state=NSW,VIC", ["Ann", "Ben", "Cat"]),
    ("city=Melbourne", ["Ben"]),
    ("status=all&postal_code=2", ["Ann", "Cat"]),
    ("postal_code=300", ["Ben"]),
    ("status=all&country=nz", ["Cat"]),
    ("gender=female,male", ["Ann", "Ben"]),
    ("status=all&age_min=30", ["Ann", "Ben"]),
    ("status=all&age_min=30&age_max=45", ["Ann"]),
    ("status=all&age_max=20", ["Cat"]),
    ("status=all&age_min=49&age_max=49", ["Ben"]),
    ("birthday_within=5", ["Ann", "Ben"]),
    ("birthday_within=0", ["Ann"]),
    ("status=all&birthday_month={month}&age_max=40", ["Ann", "Cat"]),
    ("status=all&dob_to={dob_ann}", ["Ann", "Ben"]),
    ("status=all&dob_from={dob_ann}&dob_to={dob_ann}", ["Ann"]),
    ("created_from={today}", ["Ann", "Ben", "Dan"]),
    ("created_to={yesterday}", []),
    ("source=import", ["Ben"]),
    ("email_consent=opted_in", ["Ann"]),
    ("sms_consent=opted_out,opted_in", ["Ben"]),
    ("has_email=yes", ["Ann", "Dan"]),
    ("has_email=no", ["Ben"]),
    ("has_phone=yes", ["Ann"]),
    ("email_invalid=yes", ["Dan"]),
    ("email_invalid=no", ["Ann", "Ben"]),
    ("cf_shoe_size__gte=40", ["Ben"]),
    ("cf_shoe_size__gte=30&cf_shoe_size__lte=40", ["Ann"]),
    ("cf_shoe_size=44", ["Ben"]),
    ("cf_hair__in={curly},straight", ["Ann", "Ben"]),
    ("cf_hair=Curly", ["Ann"]),
    ("cf_note__contains=TEA", ["Ann"]),
    ("cf_note=Likes tea", ["Ann"]),
    ("cf_joined__lte=2021-01-01", ["Ben"]),
    ("cf_member=no", ["Ben"]),
    ("reminder_due_by={today}", ["Ben"]),
    ("status=all&reminder_due_by={month_ahead}", ["Ben", "Cat"]),
    ("status=all&category__any={vip}&age_min=30&state=NSW", ["Ann"]),
]


def _fill(seed: Seed, world: World, query: str) -> str:
    today = local_today(seed.org)
    with tenant_scope(seed.org):
        ann = Customer.objects.get(last_name="Ann")
    assert ann.date_of_birth is not None
    return query.format(
        vip=seed.vip.pk,
        regular=seed.regular.pk,
        loc1=world.loc_a1.pk,
        loc2=world.loc_a2.pk,
        curly=seed.curly.pk,
        month=today.month,
        dob_ann=ann.date_of_birth.isoformat(),
        today=today.isoformat(),
        yesterday=(today - timedelta(days=1)).isoformat(),
        month_ahead=(today + timedelta(days=31)).isoformat(),
    )


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_each_filter_finds_its_customers(
    seed: Seed, world: World, query: str, expected: list[str]
) -> None:
    assert _names(seed, _fill(seed, world, query)) == expected


@pytest.mark.parametrize(("query", "_expected"), CASES)
def test_to_query_parses_back_to_the_same_filters(
    seed: Seed, world: World, query: str, _expected: list[str]
) -> None:
    with tenant_scope(seed.org):
        filters = _parse(seed, _fill(seed, world, query))
        again = _parse(seed, filters.to_query())
    assert again.to_query() == filters.to_query()
    assert again.describe() == filters.describe()


def test_describe_says_the_filters_in_words(seed: Seed, world: World) -> None:
    query = f"category__any={seed.vip.pk}&age_min=30&age_max=45&state=NSW"
    with tenant_scope(seed.org):
        filters = _parse(seed, query)
        assert filters.describe() == "in category VIP, aged 30–45, in NSW"
        words = _parse(
            seed,
            f"category__all={seed.vip.pk},{seed.regular.pk}&category__none={seed.regular.pk}"
            "&cf_shoe_size__gte=40&cf_shoe_size__lte=45&cf_hair__in=curly&has_email=no"
            "&birthday_within=7&gender=female&email_consent=opted_out",
        ).describe()
    assert "in categories VIP and Regular, not in category Regular" in words
    assert "gender female" in words and "without an email" in words
    assert "email opted out" in words and "birthday within 7 days" in words
    assert "Shoe size 40–45" in words and "Hair is Curly" in words


BAD = [
    ("category__any", "x"),
    ("category__all", "999999"),
    ("category__none", "{foreign_category}"),
    ("location", "{foreign_location}"),
    ("status", "gone"),
    ("country", "Australia"),
    ("gender", "robot"),
    ("source", "fax"),
    ("email_consent", "maybe"),
    ("has_email", "perhaps"),
    ("age_min", "-3"),
    ("age_max", "200"),
    ("dob_from", "2020-02-30"),
    ("created_to", "yesterday"),
    ("birthday_within", "400"),
    ("birthday_month", "13"),
    ("reminder_due_by", "soon"),
    ("postal_code", "x" * 21),
    ("cf_shoe_size__gte", "big"),
    ("cf_hair__in", "bald"),
    ("cf_hair", "{curly},{straight}"),
    ("cf_member", "perhaps"),
    ("cf_joined__gte", "1/1/2020"),
    ("cf_nope__gte", "1"),
    ("cf_note__gte", "1"),
]


def _bad(seed: Seed, param: str, value: str) -> str:
    return value.format(
        foreign_category=seed.foreign_category,
        foreign_location=seed.foreign_location,
        curly=seed.curly.pk,
        straight=seed.straight.pk,
    )


@pytest.mark.parametrize(("param", "value"), BAD)
def test_bad_values_are_refused_naming_the_parameter(seed: Seed, param: str, value: str) -> None:
    query = QueryDict(mutable=True)
    query[param] = _bad(seed, param, value)
    with tenant_scope(seed.org), pytest.raises(DomainError) as caught:
        parse_filters(org=seed.org, actor=seed.actor, data=query)
    assert [e.field for e in caught.value.errors] == [param]
    assert caught.value.status == 400


def test_range_ends_must_be_in_order(seed: Seed) -> None:
    with tenant_scope(seed.org), pytest.raises(DomainError) as caught:
        _parse(seed, "age_min=40&age_max=30&dob_from=2020-01-02&dob_to=2020-01-01")
    assert [e.field for e in caught.value.errors] == ["age_max", "dob_to"]


def test_a_location_limited_member_cannot_filter_by_other_locations(
    seed: Seed, world: World
) -> None:
    limited = world.limited_a.actor
    with tenant_scope(seed.org):
        ok = parse_filters(
            org=seed.org, actor=limited, data=QueryDict(f"location={world.loc_a1.pk}")
        )
        assert ok.describe() == "at Alpha North"
        with pytest.raises(DomainError) as caught:
            parse_filters(
                org=seed.org, actor=limited, data=QueryDict(f"location={world.loc_a2.pk}")
            )
    assert caught.value.errors[0].field == "location"


def test_page_answers_400_naming_the_parameter(seed: Seed, world: World, client_for: Any) -> None:
    client: Client = client_for(world.staff_a)
    bad = client.get(f"/customers/?category__any={seed.foreign_category}")
    assert bad.status_code == 400
    assert "category__any" in bad.content.decode()
    assert client.get("/customers/?sort=nonsense").status_code == 400
    page = client.get(f"/customers/?category__any={seed.vip.pk}&state=NSW").content.decode()
    assert "in category VIP" in page and "in NSW" in page  # the chips
    assert "Ann" in page and "Ben" not in page
    chip_link = page.split('aria-label="Remove filter: in NSW"')[0].rsplit('href="?', 1)[1]
    without = client.get("/customers/?" + chip_link.split('"')[0].replace("&amp;", "&"))
    assert "Ben" in without.content.decode()
    assert 'name="cf_shoe_size__gte"' in page  # the panel's custom field filter


def test_api_filters_sorts_and_answers_400_naming_the_parameter(
    seed: Seed, world: World, api_for: Any
) -> None:
    api: Client = api_for(world.owner_a)
    body = api.get(
        f"/api/v1/customers?category__any={seed.vip.pk}&cf_shoe_size__gte=40&sort=-created_at"
    ).json()
    assert [c["last_name"] for c in body["items"]] == ["Ben"]
    for query, field in [
        (f"category__any={seed.foreign_category}", "category__any"),
        ("age_min=abc", "age_min"),
        ("cf_unknown=1", "cf_unknown"),
        ("sort=categories", "sort"),
        ("sort=-nope", "sort"),
    ]:
        bad = api.get(f"/api/v1/customers?{query}")
        assert bad.status_code == 400, query
        assert bad.json()["errors"][0]["field"] == field
    by_age = api.get("/api/v1/customers?status=all&sort=age&limit=2").json()
    assert [c["last_name"] for c in by_age["items"]] == ["Cat", "Ann"]
    rest = api.get(f"/api/v1/customers?status=all&sort=age&limit=2&cursor={by_age['next_cursor']}")
    assert [c["last_name"] for c in rest.json()["items"]] == ["Ben", "Dan"]  # NULL last


# ------------------------------------------------------------------ columns and sorting


def test_every_column_has_a_label_a_value_and_sortable_ones_an_index(seed: Seed) -> None:
    with tenant_scope(seed.org):
        customer = Customer.objects.prefetch_related("categories").get(last_name="Ann")
        columns = columns_for(custom_fields=list(CustomField.objects.all()))
        customer.custom_values_shaped = {"shoe_size": "38", "hair": "Curly", "member": True}
        values = {key: column.value(customer) for key, column in columns.items()}
    assert values["age"] == "35" and values["region"] == "NSW"
    assert values["categories"] == "Regular, VIP"
    assert values["cf_shoe_size"] == "38" and values["cf_member"] == "Yes"
    assert not columns["categories"].sortable and not columns["cf_hair"].sortable
    index_names = {i.name for i in Customer._meta.indexes} | {
        c.name for c in Customer._meta.constraints
    }
    for column in sortable_columns():
        assert column.label and column.index in index_names, column.key


def test_parse_sort_flips_every_field_and_keeps_id_last() -> None:
    assert parse_sort("name").order == ("last_name", "first_name", "pk")
    assert parse_sort("-name").order == ("-last_name", "-first_name", "-pk")
    assert parse_sort("-age").order == ("date_of_birth", "-pk")
    assert parse_sort("created").key == "created_at"
    assert parse_sort(None).key == "name"


@pytest.fixture
def many(world: World) -> Organization:
    """23 customers with ties and NULLs in the sortable columns."""
    org = world.org_a
    for n in range(23):
        _customer(
            org,
            f"P{n % 5}",
            first_name=f"f{n % 3}",
            company=f"co{n % 4}",
            city=["", "alpha", "beta"][n % 3],
            date_of_birth=None if n % 4 == 0 else date(1980 + n % 6, 1 + n % 12, 1 + n % 27),
            discount_percent=None if n % 3 == 0 else Decimal(n % 2),
            gender=["", "female", "male"][n % 3],
            status="active",
        )
    return org


@pytest.mark.parametrize("key", [c.key for c in sortable_columns()])
@pytest.mark.parametrize("sign", ["", "-"])
def test_keyset_pages_walk_every_row_once_in_both_directions(
    many: Organization, world: World, key: str, sign: str
) -> None:
    actor = world.owner_a.actor
    sort = parse_sort(sign + key)
    with tenant_scope(many):
        filters = parse_filters(org=many, actor=actor, data=QueryDict("has_email=no"))
        customers = selectors.customer_list(org=many, actor=actor, filters=filters)
        names = [f.lstrip("-") for f in sort.order]
        expected = list(
            customers.order_by(
                *_ordering(sort.order, _nullable(customers, names), forward=True)
            ).values_list("pk", flat=True)
        )
        seen: list[int] = []
        cursor = None
        pages = []
        for _ in range(10):  # 23 rows, 4 a page: 6 pages, never a loop
            page = keyset_page(customers, order=sort.order, cursor=cursor, per_page=4)
            pages.append(page)
            seen.extend(c.pk for c in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        back: list[int] = [c.pk for c in pages[-1].items]
        cursor = pages[-1].prev_cursor
        for _ in range(10):
            if cursor is None:
                break
            page = keyset_page(customers, order=sort.order, cursor=cursor, per_page=4)
            back = [c.pk for c in page.items] + back
            cursor = page.prev_cursor
    assert seen == expected and len(set(seen)) == 23
    assert back == expected
    column = COLUMNS[key]
    assert column.sort is not None
    field = column.sort[0].lstrip("-")
    with tenant_scope(many):
        rows = {c.pk: c for c in Customer.objects.all()}
    values = [getattr(rows[pk], field) for pk in seen]
    if None in values:  # NULLs last, by id among themselves
        first_null = values.index(None)
        assert all(v is None for v in values[first_null:])
        null_ids = seen[first_null:]
        assert null_ids == sorted(null_ids, reverse=sign == "-")
    if len(column.sort) == 1:  # ties by id, in the sort's direction
        for a, b in itertools.pairwise(seen):
            va, vb = getattr(rows[a], field), getattr(rows[b], field)
            if va == vb:
                assert (a < b) == (sign == ""), (key, va)


# ------------------------------------------------------------------ query plans

EXPLAIN_QUERIES = [
    "category__any={vip}",
    "category__all={vip},{regular}",
    "category__none={vip}",
    "location={loc1}",
    "status=deactivated",
    "state=NSW",
    "city=Sydney",
    "postal_code=20",
    "country=AU",
    "gender=female",
    "age_min=30&age_max=45",
    "dob_from=1980-01-01&dob_to=1990-01-01",
    "birthday_within=10",
    "birthday_month=3",
    "created_from=2026-01-01&created_to=2026-02-01",
    "source=import",
    "email_consent=opted_in",
    "sms_consent=opted_out",
    "has_email=yes",
    "has_phone=no",
    "email_invalid=yes",
    "cf_shoe_size__gte=40",
    "cf_hair__in={curly}",
    "cf_note__contains=tea",
    "cf_joined__lte=2021-01-01",
    "cf_member=yes",
    "reminder_due_by=2026-01-01",
    # The figures kept from the history (history.filters).
    "spent_min=100&spent_max=900",
    "visits_min=3",
    "recent_days=30&recent_spent_min=50",
    "recent_days=365&recent_visits_min=4",
    "first_visit_from=2025-01-01&first_visit_to=2025-06-30",
    "no_visit_since=2026-01-01",
    "balance_min=0",
    "overdue_days=30",
    "late_share_min=50",
    "lapsed=yes",
    "period_from=2026-01-01&period_to=2026-03-31&period_spent_min=100",
    "period_from=2026-01-01&period_to=2026-03-31&period_visits_min=2",
]


def _plan(queryset: QuerySet[Customer]) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def _full_scan(plan: str) -> bool:
    """A scan of the whole customer table, or of a whole index of it.

    SQLite: any `SCAN customers_customer` (a `SEARCH` is an index lookup). PostgreSQL (with
    seq scans priced out): a `Seq Scan`, or an index scan with no `Index Cond` (every row
    of an index walked)."""
    lines = plan.splitlines()
    if connection.vendor != "postgresql":
        return any(re.search(r"\bSCAN customers_customer\b", line) for line in lines)
    for i, line in enumerate(lines):
        if re.search(r"Seq Scan on customers_customer\b", line):
            return True
        if re.search(r"Index (Only )?Scan (Backward )?using \w+ on customers_customer\b", line):
            depth = len(line) - len(line.lstrip())
            details = []
            for after in lines[i + 1 :]:
                if "->" in after or len(after) - len(after.lstrip()) <= depth:
                    break
                details.append(after)
            if not any("Index Cond" in d for d in details):
                return True
    return False


def _queries(seed: Seed, world: World) -> list[str]:
    return [_fill(seed, world, q) for q in EXPLAIN_QUERIES]


def test_every_filter_is_covered_by_the_plan_test(seed: Seed, world: World) -> None:
    with tenant_scope(seed.org):
        bound = filters_for(org=seed.org, actor=seed.actor)
        covered = set()
        for query in _queries(seed, world):
            covered |= {f.key for f, _ in _parse(seed, query).active}
    assert {f.key for f in bound} <= covered
    assert len(FILTERS) >= 20


@pytest.mark.parametrize("sort_key", [c.key for c in sortable_columns()])
def test_no_filter_or_sort_scans_the_customer_table(
    seed: Seed, world: World, sort_key: str
) -> None:
    """Every filter under this sort, and the sort alone, both directions, first and deep
    pages: an (organization, …) index answers, never a full scan of customers."""
    with tenant_scope(seed.org):
        for sign in ("", "-"):
            sort = parse_sort(sign + sort_key)
            base = selectors.customer_list(org=seed.org, actor=seed.actor, status="active")
            names = [f.lstrip("-") for f in sort.order]
            ordering = _ordering(sort.order, _nullable(base, names), forward=True)
            for query in ["", *_queries(seed, world)]:
                filters = _parse(seed, query)
                customers = selectors.customer_list(
                    org=seed.org, actor=seed.actor, status=filters.status, filters=filters
                )
                plan = _plan(customers.order_by(*ordering)[:51])
                assert not _full_scan(plan), (sort.key, query, plan)


def test_the_plan_check_sees_a_full_scan(world: World) -> None:
    """The detector itself: a query no (organization, …) index serves is caught."""
    plan = _plan(Customer.unscoped.filter(address_line1="x").order_by("address_line2"))
    assert _full_scan(plan), plan
