"""The seeded customers and named queries of the SQLite/PostgreSQL search parity test.

Everything here runs the same way in the test process (inside pytest-django's test database)
and in `tests/customers/parity_run.py` (a subprocess on a fresh database of the other engine),
so both sides seed the same rows in the same order through the real services and ask the
real selector the same questions. Results name customers by account number, which both sides
allocate in the same order; ids are not compared (a PostgreSQL sequence is not rolled back
between tests, so ids may start anywhere, though their order is the insertion order).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.http import QueryDict

from regulars.accounts.models import User
from regulars.customers import selectors, services
from regulars.customers.categories import category_create, customer_categories_set
from regulars.customers.filters import parse_filters
from regulars.customers.models import ConsentState, Customer, CustomerSource, CustomerStatus
from regulars.customers.search import customer_search, fold
from regulars.demo.generator import CustomerRow
from regulars.demo.loader import LoadPlan, customers_insert
from regulars.tenancy.access import Actor, Channel, actor_for_membership
from regulars.tenancy.models import Organization, StaffMembership
from regulars.tenancy.scope import tenant_scope
from regulars.tenancy.services import organization_create

SEED = 20240301
RANDOM_CUSTOMERS = 2200
TOP = 20
# Every customer gets its own last activity from this base; `i` and `i + TIE_PERIOD` share
# one on purpose, so ties broken by id are part of what is compared.
BASE_TIME = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TIE_PERIOD = 1500
SERVICE_EVERY = 20
LOAD_BATCH = 1000
VIP = "VIP"

FIRST_NAMES = (
    "John", "Jane", "Mary Ann", "Anne Marie", "Jean-Luc", "Søren", "Łukasz", "Đorđe", "Zoë",
    "Æsa", "Björn", "José", "François", "Siobhán", "Kevin", "Mei", "Wei", "Ahmed", "Fatima",
    "Olivia", "Liam", "Noah", "Emma", "Ava", "Mia", "Lucas", "Ole", "Ingrid", "Piotr",
    "Małgorzata", "Dragan", "Jürgen", "Grete", "Jo", "Al", "Ed", "Johan", "Joanna", "Sam",
    "Zoe", "Lukas", "Smitty", "Ngaio", "Liv",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Smithers", "Goldsmith", "Smythe", "Jones", "Johnson", "Ødegaard", "Wałęsa",
    "Đorđević", "Strauß", "Straus", "Strauss", "Ng", "Li", "Wu", "Le", "Yi", "O'Brien",
    "O'Neill", "D'Arcy", "McDonald", "Nguyen", "Brown", "Williams", "Taylor", "Müller",
    "Kowalski", "Æbelø", "Søndergaard", "Hansen", "Lindqvist", "Ngata", "Lim", "Lee",
    "Yilmaz", "Leclerc", "Łoś", "Dæhlie", "Groß",
)  # fmt: skip
DOMAINS = (
    "gmail.com", "outlook.com", "yahoo.co.uk", "example.no", "poczta.pl", "icloud.com",
    "salon.example.com", "GMail.com",
)  # fmt: skip
COMPANIES = (
    "Acme Widgets Pty Ltd", "Smith & Sons", "Nordic Ørsted AS", "Łódź Trading Sp. z o.o.",
    "Straße Bau GmbH", "Ng Brothers", "Li & Wu Imports", "O'Brien's Pub",
)  # fmt: skip
STREETS = (
    "Wallaby Way", "King Street", "George St", "Storgata", "ul. Długa", "Hauptstraße",
    "Kneza Miloša", "Ærøgade", "Queen's Road", "Smith Street",
)  # fmt: skip
PLACES = (  # city, region, postal code, country
    ("Sydney", "NSW", "2000", "AU"),
    ("Wollongong", "NSW", "2500", "AU"),
    ("Melbourne", "VIC", "3000", "AU"),
    ("Perth", "WA", "6000", "AU"),
    ("Oslo", "", "0150", "NO"),
    ("Tromsø", "", "9008", "NO"),
    ("Kraków", "", "31-000", "PL"),
    ("Łódź", "", "90-001", "PL"),
    ("Beograd", "", "11000", "RS"),
    ("München", "Bayern", "80331", "DE"),
    ("London", "", "SW1A 1AA", "GB"),
    ("København", "", "1050", "DK"),
)


def _mobile(rng: random.Random) -> str:
    """An Australian mobile, typed nationally or internationally; a fifth are 04xx 555 …."""
    area = rng.choice((12, 13, 23, 38, 51, 77))
    middle = 555 if rng.random() < 0.2 else rng.randrange(100, 1000)
    last = rng.randrange(0, 1000)
    return rng.choice(
        (
            f"04{area} {middle} {last:03d}",
            f"+61 4{area} {middle} {last:03d}",
            f"+614{area}{middle}{last:03d}",
            f"04{area}-{middle}-{last:03d}",
        )
    )


def _home(rng: random.Random) -> str:
    area = rng.choice((2, 3, 7, 8))
    number = f"9{rng.randrange(0, 1000):03d} {rng.randrange(0, 10000):04d}"
    return rng.choice((f"(0{area}) {number}", f"+61 {area} {number}", f"0{area} {number}"))


def _work(rng: random.Random) -> str:
    return rng.choice(
        (
            f"+44 20 7946 {rng.randrange(0, 10000):04d}",
            f"+47 22 {rng.randrange(10, 100)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}",
            f"+48 22 {rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}",
            f"+1 415 555 {rng.randrange(0, 10000):04d}",
            f"+64 9 {rng.randrange(200, 1000)} {rng.randrange(0, 10000):04d}",
            f"03 9{rng.randrange(0, 1000):03d} {rng.randrange(0, 10000):04d}",
        )
    )


def _email(rng: random.Random, first: str, last: str, i: int) -> str:
    if rng.random() < 0.08:
        return ""
    f, l_ = fold(first).replace(" ", "."), fold(last).replace(" ", "")
    local = rng.choice((f"{f}.{l_}", f"{f[:1]}{l_}", f"{l_}.{f}", f"{f}{i}"))
    if rng.random() < 0.1:
        local = local.title()  # stored as typed; the search folds it
    return f"{local}{i}@{rng.choice(DOMAINS)}"


def _random_customer(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, region, postal, country = rng.choice(PLACES)
    data: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "email": _email(rng, first, last, i),
        "phone_mobile": _mobile(rng),
        "phone_home": _home(rng),
        "phone_work": _work(rng),
        "address_line1": f"{rng.randrange(1, 300)} {rng.choice(STREETS)}",
        "city": city,
        "region": region,
        "postal_code": postal,
        "country": country,
    }
    if rng.random() < 0.15:
        data["company"] = rng.choice(COMPANIES)
    if rng.random() < 0.1:
        data["address_line2"] = rng.choice(("Unit 4", "Level 2", "c/o Reception", "Flat 3b"))
    if rng.random() < 0.5:
        data["loyalty_card"] = f"LC-{i * 37 % 1_000_000:06d}"
    if rng.random() < 0.3:
        data["external_id"] = f"crm-{i:04d}-{'abcxyz'[i % 6]}"
    return data


def _anchor(first: str, last: str, **extra: Any) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "phone_mobile": "0412 555 100",
        "phone_home": "+61 2 9876 5432",
        "phone_work": "+44 20 7946 0958",
        **extra,
    }


# Customers the queries name; mixed in among the random ones at fixed places.
ANCHORS: tuple[dict[str, Any], ...] = (
    _anchor("John", "Smith", email="john.smith@gmail.com", city="Sydney"),
    _anchor("John", "Smith", email="jsmith@outlook.com", city="Wollongong", region="NSW"),
    _anchor("Mary Ann", "Smith", email="maryann@example.no", city="Oslo"),
    _anchor("Mary Ann", "Li", email="mary.ann.li@icloud.com"),
    _anchor("Søren", "Ødegaard", email="soren@example.no", city="Oslo", external_id="crm-9001-s"),
    _anchor("Łukasz", "Wałęsa", email="lukasz@poczta.pl", city="Kraków"),
    _anchor("Lukasz", "Walesa", email="lwalesa@gmail.com"),
    _anchor("Đorđe", "Đorđević", city="Beograd", postal_code="11000"),
    _anchor("Johann", "Strauß", company="Straße Bau GmbH", city="München"),
    _anchor("Levi", "Strauss", email="levi@outlook.com"),
    _anchor("Æsa", "Lindqvist", email="aesa@example.no", city="Tromsø"),
    _anchor("Zoë", "Adams", email="zoe.adams@GMail.com"),
    _anchor("Siobhán", "O'Brien", email="siobhan.obrien@outlook.com", company="O'Brien's Pub"),
    _anchor("Kevin", "Ng", phone_mobile="+61 412 555 123", email="kevin.ng@gmail.com"),
    _anchor("", "", company="Acme Widgets Pty Ltd", email="sales@acme.example.com"),
    _anchor(
        "Addie",
        "Place",
        address_line1="42 Wallaby Way",
        city="Wollongong",
        postal_code="SW1A 1AA",
        loyalty_card="LC-778899",
        external_id="crm-4471-x",
    ),
    _anchor("Gold", "Member", account_number="GOLD-0007", loyalty_card="LC-000007"),
    # A postcode typed in lower case: the postal_code filter is a prefix test.
    _anchor("Lower", "Postcode", city="London", postal_code="sw1a 2aa"),
)
# Matches that must never show: soft-deleted customers of the seeded organization.
DELETED = (
    _anchor("Søren", "Ødegaard", email="deleted.soren@example.no"),
    _anchor("John", "Smith", email="deleted.john@gmail.com", loyalty_card="LC-DELETED"),
)
# Another organization whose customers match many queries; none may show.
OTHER_ORG = (
    _anchor("Søren", "Ødegaard", email="soren@example.no", external_id="crm-9001-s"),
    _anchor("John", "Smith", email="john.smith@gmail.com", loyalty_card="LC-778899"),
    _anchor("Kevin", "Ng", phone_mobile="+61 412 555 123"),
    _anchor("", "", company="Acme Widgets Pty Ltd", account_number="C000123"),
)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    q: str
    params: str = ""  # filters, as in GET /api/v1/customers?…
    status: str = "active"  # the API's default


QUERIES: tuple[NamedQuery, ...] = (
    # names and fragments
    NamedQuery("name fragment", "smit"),
    NamedQuery("name fragment, upper case", "SMIT"),
    NamedQuery("name fragment, mixed case", "sMiThErS"),
    NamedQuery("first and part of last", "john smi"),
    NamedQuery("last then first", "smith john"),
    NamedQuery("multi-word first name", "Mary Ann"),
    NamedQuery("multi-word first name and last", "mary ann smith"),
    NamedQuery("prefix of a first name", "joh"),
    NamedQuery("inside a name", "ldsmi"),
    # accents and other scripts
    NamedQuery("ë typed plain", "zoe"),
    NamedQuery("ë typed as ë", "Zoë"),
    NamedQuery("ø typed plain", "soren"),
    NamedQuery("ø in full name", "Søren Ødegaard"),
    NamedQuery("ø surname plain", "odegaard"),
    NamedQuery("ł typed plain", "lukasz"),
    NamedQuery("ł and ę surname", "walesa"),
    NamedQuery("ß typed ss", "strauss"),
    NamedQuery("ß prefix", "straus"),
    NamedQuery("ß typed ß", "Strauß"),
    NamedQuery("æ typed ae", "aesa"),
    NamedQuery("đ typed d", "dorde"),
    NamedQuery("đ surname", "Đorđević"),
    # short surnames and initials
    NamedQuery("two-letter surname ng", "ng"),
    NamedQuery("two-letter surname li", "li"),
    NamedQuery("two-letter surname wu, upper", "WU"),
    NamedQuery("two-letter surname le", "le"),
    NamedQuery("initials js", "js"),
    NamedQuery("initials of a two-word first name", "mas"),
    NamedQuery("one letter", "a"),
    NamedQuery("two short words", "al ng"),
    # apostrophes
    NamedQuery("apostrophe dropped", "obrien"),
    NamedQuery("apostrophe typed", "O'Brien"),
    # email
    NamedQuery("email domain", "@gmail"),
    NamedQuery("email domain and tld", "gmail.com"),
    NamedQuery("email local part", "john.smith"),
    # phones
    NamedQuery("mobile, national digits", "0412 555"),
    NamedQuery("mobile, international digits", "+61412555"),
    NamedQuery("mobile, exact international", "+61 412 555 123"),
    NamedQuery("work phone, international", "+44 20 7946"),
    # identifiers
    NamedQuery("account number", "C000123"),
    NamedQuery("account number, lower case", "c000123"),
    NamedQuery("account number, explicit", "GOLD-0007"),
    NamedQuery("loyalty card", "LC-778899"),
    NamedQuery("external id", "crm-4471-x"),
    # company and address
    NamedQuery("company words", "Widgets Pty"),
    NamedQuery("street", "42 Wallaby Way"),
    NamedQuery("city with accent typed plain", "krakow"),
    NamedQuery("postal code with space", "SW1A 1AA"),
    NamedQuery("no match", "zzyzx"),
    NamedQuery("no match, two words", "nobody nowhere"),
)
# With filters, as the API combines them (status and the list filters).
FILTERED_QUERIES: tuple[NamedQuery, ...] = (
    NamedQuery("smith, deactivated too", "smith", status="all"),
    NamedQuery("smith, deactivated only", "smith", status="deactivated"),
    NamedQuery("ng in Sydney", "ng", params="city=Sydney"),
    NamedQuery("li in NSW", "li", params="state=NSW"),
    NamedQuery("smit in category VIP", "smit", params="category__any={VIP}"),
    NamedQuery("0412 555 in Norway", "0412 555", params="country=NO"),
    NamedQuery("london by postcode prefix", "london", params="postal_code=SW1A"),
)
# Through a list that joins another table: the search's ORM path instead of its SQL.
JOINED_QUERIES: tuple[NamedQuery, ...] = (
    NamedQuery("joined: name fragment", "smit"),
    NamedQuery("joined: initials", "js"),
    NamedQuery("joined: two-letter surname", "ng"),
    NamedQuery("joined: mobile digits", "0412 555"),
)
# Past the per-tier candidate cap (every mobile's international digits hold "614").
OVER_CAP_QUERY = NamedQuery("over the tier cap", "614", status="all")


@dataclass
class Seeded:
    org: Organization
    actor: Actor
    other_org: Organization
    other_actor: Actor
    live: int = 0


def _owner(name: str, slug: str, prefix: str) -> tuple[Organization, Actor]:
    user = User.objects.create_user(email=f"owner@{slug}.test", password=None, name=name)
    org = organization_create(
        name=name,
        owner=user,
        channel=Channel.SYSTEM,
        slug=slug,
        country="AU",
        account_prefix=prefix,
    )
    with tenant_scope(org):
        membership = StaffMembership.objects.get(user=user)
        return org, actor_for_membership(membership, channel=Channel.PAGE)


def customer_specs() -> list[dict[str, Any]]:
    """The seeded organization's customers: random ones with the anchors spread among them;
    a spec's place in this list fixes its last activity (`_activity`)."""
    rng = random.Random(SEED)
    specs = [_random_customer(rng, i) for i in range(RANDOM_CUSTOMERS)]
    step = RANDOM_CUSTOMERS // (len(ANCHORS) + 1)
    for n, anchor in enumerate(ANCHORS):
        specs.insert((n + 1) * step + n, dict(anchor))
    return specs


def _activity(i: int) -> datetime:
    minutes = i * 7919 % TIE_PERIOD
    return BASE_TIME + timedelta(minutes=minutes, microseconds=(i % 3) * 250_000)


def _loader_row(org: Organization, i: int, data: dict[str, Any]) -> CustomerRow:
    """A spec as the bulk loader takes it, its values cleaned by the services' own rules."""
    cleaned = services.clean_record(org, data)

    def value(name: str) -> str:
        return str(cleaned.get(name, ""))

    return CustomerRow(
        index=i,
        first_name=value("first_name"),
        last_name=value("last_name"),
        company=value("company"),
        email_raw=str(data.get("email", "")),
        email=value("email"),
        phone_mobile_raw=str(data.get("phone_mobile", "")),
        phone_mobile=value("phone_mobile"),
        phone_home_raw=str(data.get("phone_home", "")),
        phone_home=value("phone_home"),
        phone_work_raw=str(data.get("phone_work", "")),
        phone_work=value("phone_work"),
        address_line1=value("address_line1"),
        address_line2=value("address_line2"),
        city=value("city"),
        region=value("region"),
        postal_code=value("postal_code"),
        country=value("country"),
        date_of_birth=None,
        gender="",
        loyalty_card=value("loyalty_card"),
        external_id=value("external_id"),
        status=CustomerStatus.DEACTIVATED if _deactivated(i) else CustomerStatus.ACTIVE,
        source=CustomerSource.IMPORT,
        discount_percent=None,
        email_consent=ConsentState.UNKNOWN,
        sms_consent=ConsentState.UNKNOWN,
        email_blocked=False,
        sms_blocked=False,
        all_locations=True,
        location_slot=0,
        created_days_ago=0,
        categories=(VIP,) if _in_vip(i) else (),
    )


def _deactivated(i: int) -> bool:
    return i % 17 == 0


def _in_vip(i: int) -> bool:
    return i % 11 == 0


def _by_service(i: int, data: dict[str, Any]) -> bool:
    """Anchors and every twentieth customer go through `customer_create`, the rest through the
    bulk loader (2,000 service calls take longer than the test may)."""
    return data in ANCHORS or i % SERVICE_EVERY == 0


@transaction.atomic
def seed() -> Seeded:
    """Creates both organizations and their customers, the same rows in the same order on
    every database: anchors and every twentieth spec through `customer_create`, then the
    rest through the demo loader's `customers_insert`. Then gives every customer a fixed
    last activity, the search's tie-break, so neither engine's clock decides the order."""
    org, actor = _owner("Parity Salon", "parity-salon", "C")
    other_org, other_actor = _owner("Other Salon", "other-salon", "X")
    seeded = Seeded(org=org, actor=actor, other_org=other_org, other_actor=other_actor)
    with tenant_scope(other_org):
        for data in OTHER_ORG:
            services.customer_create(org=other_org, actor=other_actor, data=data)
    with tenant_scope(org):
        vip = category_create(org=org, actor=actor, data={"name": VIP})
        plan = LoadPlan(categories={VIP: vip}, notes=False, reminders=False, consent_events=False)
        activity: dict[int, datetime] = {}  # id → the last activity it is given
        bulk: list[CustomerRow] = []
        for i, data in enumerate(customer_specs()):
            if not _by_service(i, data):
                bulk.append(_loader_row(org, i, data))
                continue
            customer = services.customer_create(org=org, actor=actor, data=data)
            activity[customer.pk] = _activity(i)
            if _in_vip(i):
                customer_categories_set(
                    org=org, actor=actor, customer_id=customer.pk, category_ids=[vip.pk]
                )
            if _deactivated(i):
                services.customer_deactivate(org=org, actor=actor, customer_id=customer.pk)
        for start in range(0, len(bulk), LOAD_BATCH):
            rows = bulk[start : start + LOAD_BATCH]
            ids = customers_insert(org=org, actor=actor, rows=rows, plan=plan)
            activity.update((pk, _activity(row.index)) for pk, row in zip(ids, rows, strict=True))
        for data in DELETED:
            customer = services.customer_create(org=org, actor=actor, data=data)
            services.customer_delete(
                org=org, actor=actor, customer_id=customer.pk, expected_version=customer.version
            )
        # bulk_update writes the given values (no auto_now), a few hundred rows a statement.
        rows_at = [Customer(pk=pk, updated_at=at) for pk, at in activity.items()]
        Customer.objects.bulk_update(rows_at, ["updated_at"], batch_size=500)
        seeded.live = len(activity)
    return seeded


def _category_ids(seeded: Seeded, params: str) -> str:
    """Filter parameters with category names in braces replaced by this database's ids."""
    categories = selectors.category_list(org=seeded.org, actor=seeded.actor)
    for category in categories:
        params = params.replace(f"{{{category.name}}}", str(category.pk))
    return params


def _found(org: Organization, customers: list[Customer], total: int) -> dict[str, Any]:
    """Account numbers best first, with labels for a readable diff, and any customer that
    must never show (another organization's, a deleted one)."""
    return {
        "top": [c.account_number for c in customers],
        "total": total,
        "labels": {c.account_number: f"{c.display_name} ({c.city})" for c in customers},
        "leaks": [
            c.account_number
            for c in customers
            if c.organization_id != org.pk or c.deleted_at is not None
        ],
    }


def _page(seeded: Seeded, query: NamedQuery) -> dict[str, Any]:
    """What GET /api/v1/customers?q=… lists first: the selector the API calls, with the
    filters parsed as the API parses them."""
    org, actor = seeded.org, seeded.actor
    data = QueryDict(_category_ids(seeded, query.params))
    filters = parse_filters(org=org, actor=actor, data=data)
    hits = selectors.customer_search_page(
        org=org, actor=actor, q=query.q, status=query.status, filters=filters, per_page=TOP
    )
    return _found(org, hits.items, hits.total)


def _joined(seeded: Seeded, query: NamedQuery) -> dict[str, Any]:
    customers = selectors.customer_list(org=seeded.org, actor=seeded.actor, status=query.status)
    joined = customers.filter(organization__slug=seeded.org.slug)
    ids = customer_search(joined, query.q)
    rows = Customer.objects.in_bulk(ids[:TOP])
    return _found(seeded.org, [rows[pk] for pk in ids[:TOP]], len(ids))


def run_queries(seeded: Seeded) -> dict[str, dict[str, Any]]:
    """Every named query's top 20 (account numbers, best first) and total."""
    results: dict[str, dict[str, Any]] = {}
    with tenant_scope(seeded.org):
        for query in (*QUERIES, *FILTERED_QUERIES, OVER_CAP_QUERY):
            results[query.name] = _page(seeded, query)
        for query in JOINED_QUERIES:
            results[query.name] = _joined(seeded, query)
    return results


def seed_and_search() -> dict[str, Any]:
    """Seeds, searches and reports, as JSON-ready data."""
    started = time.monotonic()
    seeded = seed()
    seeded_at = time.monotonic()
    results = run_queries(seeded)
    return {
        "vendor": connection.vendor,
        "live": seeded.live,
        "results": results,
        "seconds": {"seed": seeded_at - started, "search": time.monotonic() - seeded_at},
    }
