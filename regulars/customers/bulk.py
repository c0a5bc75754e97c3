"""Bulk inserts of new customers with everything that hangs off them.

`customers_insert` writes one batch (customers, their location and category links, custom
values, notes, reminders, consent events and one "created" audit entry each) inside the
caller's transaction, never one save per row. The demo loader and the import both write
through it, so stored values keep the invariants of `customers.services`: contact values
normalised, account numbers from the organization's sequence (or given and noted as used),
an email key, the search columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from regulars.accounts.models import User
from regulars.audit.models import AuditEntry
from regulars.audit.services import mask_changes
from regulars.customers.account_numbers import account_numbers_allocate, account_numbers_note_used
from regulars.customers.models import (
    Category,
    ConsentEvent,
    Customer,
    CustomField,
    CustomFieldOption,
    CustomFieldValue,
    Note,
    Reminder,
)
from regulars.customers.normalize import email_key
from regulars.customers.rows import CustomerRow
from regulars.customers.search import SEARCH_COLUMNS, SEARCH_SOURCES, search_fields
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Location, Organization
from regulars.tenancy.scope import assert_in_scope

DEMO_LABEL = "Demo data"


CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "company",
    "email",
    "phone_mobile",
    "phone_home",
    "phone_work",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "date_of_birth",
    "gender",
    "loyalty_card",
    "external_id",
    "status",
    "source",
    "discount_percent",
    "email_consent",
    "sms_consent",
    "email_blocked",
    "sms_blocked",
)


@dataclass(frozen=True)
class LoadPlan:
    """What the rows are attached to; what a row names but the plan lacks is skipped."""

    locations: Sequence[Location] = ()
    # None: each row's own choice; True/False: every customer (a job follows its actor).
    all_locations: bool | None = None
    categories: Mapping[str, Category] = field(default_factory=dict)
    fields: Mapping[str, CustomField] = field(default_factory=dict)
    options: Mapping[tuple[str, str], CustomFieldOption] = field(default_factory=dict)
    staff: Sequence[User] = ()
    notes: bool = True
    reminders: bool = True
    consent_events: bool = True
    # Spread `created_at` over the rows' `created_days_ago` (one UPDATE per batch).
    backdate: bool = True
    audit_source: str = "demo"
    # Who wrote the notes and reminders, and the consent events' detail (an import names
    # its file there).
    label: str = DEMO_LABEL
    consent_detail: str = DEMO_LABEL
    # Extra keys for each "created" audit entry (an import names its run).
    audit_extra: Mapping[str, Any] = field(default_factory=dict)


class RawInsert:
    """A raw multi-row INSERT for one model: the given columns per row, every other column
    its field's default (adapted once), so a column added later with a default still works.

    Django's bulk_create spends ~90% of a load's time preparing values field by field; rows
    here are tuples already in database form.
    """

    def __init__(self, model: type[Model], given: Sequence[str], *, with_pk: bool = False) -> None:
        fields = {f.name: f for f in model._meta.concrete_fields}
        qn = connection.ops.quote_name
        now = timezone.now()
        self.constants: tuple[object, ...] = ()
        columns = [fields[name].column for name in given]
        constants = []
        for f in model._meta.concrete_fields:
            if f.name in given or (f.primary_key and not with_pk) or f.generated:
                continue  # a generated column is the database's to fill
            if f.primary_key:
                raise ValueError("with_pk needs the pk among the given columns")
            value = (
                now
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default()
            )
            columns.append(f.column)
            constants.append(f.get_db_prep_save(value, connection))
        self.constants = tuple(constants)
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )

    def insert(self, rows: Iterable[tuple[object, ...]]) -> None:
        constants = self.constants
        # Values are already in database form (adapted once or by the caller).
        params: list[Any] = [row + constants for row in rows]
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, params)


def _reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh primary keys, inside the caller's write transaction.

    PostgreSQL: from the table's sequence. SQLite: past both MAX(id) and the AUTOINCREMENT
    high-water mark; the transaction holds the write lock (IMMEDIATE), so nobody else can
    take them before the insert.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [int(r[0]) for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        (top,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        top = max(int(top), int(seq[0]) if seq else 0)
    return list(range(top + 1, top + 1 + count))


CUSTOMER_GIVEN = (
    "id",
    "organization",
    "account_number",
    "email_key",
    "all_locations",
    "created_at",
    "updated_at",
    *CUSTOMER_COLUMNS,
    *SEARCH_COLUMNS,
)
DATE_COLUMNS = frozenset({CUSTOMER_COLUMNS.index("date_of_birth")})


def _custom_value_rows(
    org_id: int,
    customer_id: int,
    row: CustomerRow,
    plan: LoadPlan,
    adapt_date: Callable[[Any], Any],
) -> Iterable[tuple[object, ...]]:
    """(organization, customer, field, text, number, date, bool, option) per value."""
    for key, value in row.custom.items():
        custom_field = plan.fields.get(key)
        if custom_field is None:
            continue
        head = (org_id, customer_id, custom_field.pk)
        kind = custom_field.field_type
        if kind == "text":
            yield (*head, value, None, None, None, None)
        elif kind == "number":
            yield (*head, None, value, None, None, None)
        elif kind == "date":
            yield (*head, None, None, adapt_date(value), None, None)
        elif kind == "bool":
            yield (*head, None, None, None, value, None)
        else:
            labels = value if isinstance(value, tuple) else (value,)
            for label in labels:
                option = plan.options.get((key, str(label)))
                if option is not None:
                    yield (*head, None, None, None, None, option.pk)


@dataclass
class _Tables:
    customers: RawInsert
    locations: RawInsert
    categories: RawInsert
    values: RawInsert
    notes: RawInsert
    reminders: RawInsert
    consent: RawInsert


# What a load fills, for ANALYZE after a large one.
ANALYZED = tuple(
    model._meta.db_table
    for model in (
        Customer,
        Customer.locations.through,
        Customer.categories.through,
        CustomFieldValue,
        Note,
        Reminder,
        ConsentEvent,
    )
)
ANALYZE_AFTER = 10_000


def _tables() -> _Tables:
    return _Tables(
        customers=RawInsert(Customer, CUSTOMER_GIVEN, with_pk=True),
        locations=RawInsert(Customer.locations.through, ("customer", "location")),
        categories=RawInsert(Customer.categories.through, ("customer", "category")),
        values=RawInsert(
            CustomFieldValue,
            (
                "organization",
                "customer",
                "field",
                "text_value",
                "number_value",
                "date_value",
                "bool_value",
                "option",
            ),
        ),
        notes=RawInsert(Note, ("organization", "customer", "text", "author_label")),
        reminders=RawInsert(
            Reminder,
            (
                "organization",
                "customer",
                "text",
                "due_date",
                "assigned_to",
                "done_at",
                "done_by_label",
                "created_by_label",
            ),
        ),
        consent=RawInsert(
            ConsentEvent,
            (
                "organization",
                "customer",
                "channel",
                "state",
                "blocked",
                "source",
                "detail",
                "actor_user",
                "actor_label",
            ),
        ),
    )


def _search_sources(row: CustomerRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SEARCH_SOURCES if hasattr(row, name)}


def customers_insert(
    *,
    org: Organization,
    actor: Actor,
    rows: Sequence[CustomerRow],
    plan: LoadPlan,
    now: datetime | None = None,
) -> list[int]:
    """One batch of rows with everything that hangs off them; call inside a transaction.

    Returns the new customers' ids, in the order of `rows`.
    """
    assert_in_scope(org)
    if not rows:
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    ops = connection.ops
    adapt_date, adapt_dt = ops.adapt_datefield_value, ops.adapt_datetimefield_value
    tables = _tables()
    org_id = org.pk
    # Rows may bring their own account numbers (an import); the others take the next free.
    given = [row.account_number for row in rows if row.account_number]
    if given:
        account_numbers_note_used(org=org, numbers=given)
    fresh = iter(account_numbers_allocate(org=org, count=len(rows) - len(given)))
    numbers = [row.account_number or next(fresh) for row in rows]
    ids = _reserve_ids(Customer, len(rows))
    stamp = adapt_dt(now)
    forced = plan.all_locations
    has_locations = bool(plan.locations)
    all_flags = [
        (row.all_locations if forced is None else forced) or not has_locations for row in rows
    ]
    customer_rows = []
    for pk, row, number, all_locations in zip(ids, rows, numbers, all_flags, strict=True):
        created = stamp
        if plan.backdate and row.created_days_ago:
            created = adapt_dt(
                now - timedelta(days=row.created_days_ago, seconds=row.index % 86_400)
            )
        values = [getattr(row, name) for name in CUSTOMER_COLUMNS]
        if row.date_of_birth is not None:
            values[CUSTOMER_COLUMNS.index("date_of_birth")] = adapt_date(row.date_of_birth)
        # The search columns as services write them; SQLite's FTS index follows by trigger.
        search = search_fields({**_search_sources(row), "account_number": number})
        customer_rows.append(
            (
                pk,
                org_id,
                number,
                email_key(row.email),
                all_locations,
                created,
                created,
                *values,
                *(search[name] for name in SEARCH_COLUMNS),
            )
        )
    tables.customers.insert(customer_rows)
    pairs = list(zip(ids, rows, all_flags, strict=True))
    if has_locations:
        location_ids = [loc.pk for loc in plan.locations]
        tables.locations.insert(
            (pk, location_ids[row.location_slot % len(location_ids)])
            for pk, row, all_locations in pairs
            if not all_locations
        )
    if plan.categories:
        tables.categories.insert(
            (pk, plan.categories[name].pk)
            for pk, row, _ in pairs
            for name in row.categories
            if name in plan.categories
        )
    if plan.fields:
        tables.values.insert(
            v for pk, row, _ in pairs for v in _custom_value_rows(org_id, pk, row, plan, adapt_date)
        )
    if plan.notes:
        tables.notes.insert(
            (org_id, pk, text, plan.label) for pk, row, _ in pairs for text in row.notes
        )
    if plan.reminders:
        staff_ids = [user.pk for user in plan.staff]
        tables.reminders.insert(
            (
                org_id,
                pk,
                row.reminder.text,
                adapt_date(today + timedelta(days=row.reminder.due_in_days)),
                staff_ids[row.reminder.assignee_slot % len(staff_ids)] if staff_ids else None,
                stamp if row.reminder.done else None,
                plan.label if row.reminder.done else "",
                plan.label,
            )
            for pk, row, _ in pairs
            if row.reminder is not None
        )
    if plan.consent_events:
        user_id = actor.user.pk if actor.user is not None else None
        label = actor.label[:254]
        tables.consent.insert(
            (org_id, pk, channel, state, blocked, "import", plan.consent_detail, user_id, label)
            for pk, row, _ in pairs
            for channel, state, blocked in (
                ("email", row.email_consent, row.email_blocked),
                ("sms", row.sms_consent, row.sms_blocked),
            )
            if state != "unknown" or blocked
        )
    _audit_created(
        org=org, actor=actor, ids=ids, rows=rows, source=plan.audit_source, extra=plan.audit_extra
    )
    return ids


def _audit_created(
    *,
    org: Organization,
    actor: Actor,
    ids: Sequence[int],
    rows: Sequence[CustomerRow],
    source: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """One "created" entry per customer, the entry `audit_record_many` would write.

    Written as raw rows: through the ORM the audit alone took 70% of a load. The columns
    are filled as `audit.services._entry` fills them (a test compares the two).
    """
    assert_in_scope(org)
    changes = AuditEntry._meta.get_field("changes").get_db_prep_save(
        mask_changes({"source": source, **(extra or {})}), connection
    )
    target_type = Customer._meta.label_lower
    head = (org.pk, actor.user.pk if actor.user else None, actor.api_key_id, actor.label[:254])
    table = RawInsert(
        AuditEntry,
        (
            "organization",
            "actor_user",
            "actor_api_key_id",
            "actor_label",
            "channel",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "customer_id",
            "changes",
        ),
    )
    table.insert(
        (
            *head,
            actor.channel,
            "customers.customer.created",
            target_type,
            str(pk),
            _label(row, pk)[:254],
            pk,
            changes,
        )
        for pk, row in zip(ids, rows, strict=True)
    )


def _label(row: CustomerRow, pk: int) -> str:
    """`str(customer)`: the name, else the company, else the email."""
    return (
        f"{row.first_name} {row.last_name}".strip() or row.company or row.email or f"Customer #{pk}"
    )


def analyze_customers() -> None:
    """Planner statistics for what a large load filled. Without them PostgreSQL walked the
    status index for a customer by id, and SQLite read every custom value of the
    organization (its organization index) to find one page's: 300 ms instead of 1 ms at a
    million customers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM (outside a transaction only) also sets the visibility map that lets
            # counts read indexes alone.
            outside = connection.get_autocommit() and not connection.in_atomic_block
            verb = "VACUUM (ANALYZE)" if outside else "ANALYZE"
            cursor.execute(f"{verb} {', '.join(ANALYZED)}")
        else:
            # Sampled statistics (SQLite's own recommendation for large tables): 0.2 s.
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in ANALYZED:
                cursor.execute(f"ANALYZE {table}")


LARGE_CACHE_KIB = 262_144


def large_write_cache(kib: int = LARGE_CACHE_KIB) -> None:
    """Many rows update a dozen indexes (and the search index) at random places: on SQLite
    keep them in memory (256 MB for this connection by default) instead of the 2 MB default
    page cache. PostgreSQL's shared buffers are the server's to size."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
