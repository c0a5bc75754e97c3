"""One batch of prepared rows → what happens to each: created, updated, unchanged, rejected.

The dry run and the import run the same code; only the import writes. Everything that
costs a query is done per batch, never per row: repeats (`ImportKey`), matching
(`customers_find_many_by_keys`), identifier owners, categories. Creates go through the
bulk insert the demo loader uses; updates are one UPDATE per changed customer; audit
entries, notes, consent events and outcome rows are bulk inserts. The caller holds the
batch's transaction, so a batch (and its checkpoint) is all or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone

from regulars.audit.services import AuditItem, audit_record_many
from regulars.customers.bulk import LoadPlan, RawInsert, customers_insert
from regulars.customers.categories import category_create
from regulars.customers.custom_fields import (
    CleanedCustomValues,
    custom_value_plain,
    custom_value_shape,
    custom_values_for,
    custom_values_save,
)
from regulars.customers.matching import Outcome, customers_find_many_by_keys
from regulars.customers.models import (
    PHONE_FIELDS,
    Category,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    Customer,
    CustomerStatus,
    CustomField,
    CustomFieldOption,
    Note,
)
from regulars.customers.normalize import email_key
from regulars.customers.rows import CustomerRow
from regulars.customers.search import search_fields_set
from regulars.customers.services import IDENTIFIERS, default_locations
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization
from regulars.transfer.models import ImportKey, ImportRow, ImportRun, RowOutcome
from regulars.transfer.rowmap import Prepared

KEY_NOUNS = {
    "email": "email",
    "phone": "phone",
    "account_number": "account number",
    "loyalty_card": "loyalty card number",
    "external_id": "external id",
    "customer": "customer",
}
REVIEW, IMPORT = 0, 1  # ImportKey phases


@dataclass
class Options:
    mode: str
    match_keys: list[str]
    fresh_consent: bool = False
    blank_clears: bool = False
    create_categories: bool = False

    @classmethod
    def of(cls, run: ImportRun) -> Options:
        opts = run.options or {}
        return cls(
            mode=run.mode,
            match_keys=list(run.match_keys),
            fresh_consent=bool(opts.get("fresh_consent")),
            blank_clears=bool(opts.get("blank_clears")),
            create_categories=bool(opts.get("create_categories")),
        )


@dataclass
class Result:
    row: Prepared
    outcome: str = RowOutcome.REJECTED
    customer_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    new_categories: list[Category] = field(default_factory=list)
    consent: dict[str, str] = field(default_factory=dict)  # channel → new state


@dataclass
class Context:
    """What every batch of one run shares: loaded once."""

    org: Organization
    actor: Actor
    run: ImportRun
    options: Options
    custom_fields: dict[str, CustomField]
    categories: dict[str, Category]  # by case-folded name
    options_by_label: dict[tuple[str, str], CustomFieldOption]

    @classmethod
    def load(cls, *, org: Organization, actor: Actor, run: ImportRun) -> Context:
        fields = {f.key: f for f in CustomField.objects.prefetch_related("options")}
        return cls(
            org=org,
            actor=actor,
            run=run,
            options=Options.of(run),
            custom_fields=fields,
            categories={c.name.casefold(): c for c in Category.objects.all()},
            options_by_label={
                (f.key, o.label): o for f in fields.values() for o in f.options.all()
            },
        )


def digest(key: str, value: str) -> int:
    """A signed 64-bit digest (fits a BigIntegerField on both databases)."""
    raw = hashlib.blake2b(f"{key}\x00{value}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


def process(ctx: Context, rows: Sequence[Prepared], *, write: bool) -> list[Result]:
    results = [Result(row=row) for row in rows]
    phase = IMPORT if write else REVIEW
    _categories(ctx, results, write=write)
    _match(ctx, results)
    _required(ctx, results)
    _identifiers(ctx, results)
    _repeats(ctx, results, phase=phase)
    if write:
        _write(ctx, results)
    _keep_keys(ctx, results, phase=phase)
    if write:
        _outcome_rows(ctx, results)
    return results


def _live(results: list[Result]) -> list[Result]:
    return [r for r in results if r.row.ok]


def _categories(ctx: Context, results: list[Result], *, write: bool) -> None:
    unknown: dict[str, str] = {}
    for result in _live(results):
        for name in result.row.categories:
            if name.casefold() not in ctx.categories:
                unknown.setdefault(name.casefold(), name)
    if not unknown:
        return
    if ctx.options.create_categories:
        if write:
            for folded, name in unknown.items():
                ctx.categories[folded] = category_create(
                    org=ctx.org, actor=ctx.actor, data={"name": name}
                )
        return
    for result in _live(results):
        for name in result.row.categories:
            if name.casefold() in unknown:
                result.row.reject(
                    _header(ctx, "categories"),
                    f"There is no category “{name}”. Create it first, or tick “create "
                    "categories named in the file”.",
                )


def _header(ctx: Context, target: str) -> str:
    for index, entry in enumerate(ctx.run.mapping):
        if entry.get("target") == target and index < len(ctx.run.headers):
            return str(ctx.run.headers[index])
    return ""


def _digests(ctx: Context, result: Result) -> list[tuple[int, str]]:
    """What makes two rows "the same customer": a shared matching key, or the same
    existing customer reached through different keys."""
    keys = result.row.keys()
    pairs = [(digest(k, keys[k]), k) for k in ctx.options.match_keys if keys.get(k)]
    if result.customer_id is not None:
        pairs.append((digest("customer", str(result.customer_id)), "customer"))
    return pairs


def _repeats(ctx: Context, results: list[Result], *, phase: int) -> None:
    """A row that would reach the same customer as an earlier accepted row of the file
    repeats it. Run after every other check, so a rejected row is never the "earlier" one."""
    keyed = [(result, _digests(ctx, result)) for result in _live(results)]
    wanted = sorted({d for _, pairs in keyed for d, _ in pairs})
    seen: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for value, number in ImportKey.objects.filter(
            run=ctx.run, phase=phase, digest__in=chunk
        ).values_list("digest", "number"):
            seen[value] = min(number, seen.get(value, number))
    for result, pairs in keyed:
        earlier = [(seen[d], k) for d, k in pairs if d in seen and seen[d] < result.row.number]
        if earlier:
            number, key = min(earlier)
            result.row.reject(
                "",
                f"Repeats row {number} (the same {KEY_NOUNS[key]}); "
                "each customer is imported once.",
            )
            result.outcome = RowOutcome.REJECTED
            continue
        for d, _ in pairs:
            seen.setdefault(d, result.row.number)


def _keep_keys(ctx: Context, results: list[Result], *, phase: int) -> None:
    keys: list[tuple[object, ...]] = []
    run_id = ctx.run.pk
    for result in _live(results):
        keys.extend((run_id, phase, d, result.row.number) for d, _ in _digests(ctx, result))
    RawInsert(ImportKey, ("run", "phase", "digest", "number")).insert(keys)


def _label(customer: Customer) -> str:
    return f"{customer} ({customer.account_number})"


def _match(ctx: Context, results: list[Result]) -> None:
    live = _live(results)
    order = ctx.options.match_keys
    if not order:
        matches = []
    else:
        matches = customers_find_many_by_keys(
            org=ctx.org,
            actor=ctx.actor,
            rows=[r.row.keys() for r in live],
            order=order,
            normalized=True,
        )
    found = [m.customer.pk for m in matches if m.customer is not None]
    have: dict[int, set[int]] = {}
    through = Customer.categories.through
    for customer_id, category_id in through.objects.filter(customer_id__in=found).values_list(
        "customer_id", "category_id"
    ):
        have.setdefault(customer_id, set()).add(category_id)
    notes: dict[int, set[str]] = {}
    if any(r.row.notes for r in live):
        for customer_id, text in Note.objects.filter(customer_id__in=found).values_list(
            "customer_id", "text"
        ):
            notes.setdefault(customer_id, set()).add(text)
    current_custom: dict[int, dict[str, Any]] = {}
    if any(r.row.custom for r in live) and found:
        current_custom = custom_values_for(customer_ids=found)
    for index, result in enumerate(live):
        match = matches[index] if matches else None
        mode = ctx.options.mode
        if match is None or match.outcome == Outcome.NONE:
            if mode == "update":
                keys = ", ".join(KEY_NOUNS[k] for k in order) or "the chosen keys"
                result.row.reject(
                    "",
                    f"No existing customer has this row's {keys}; this import only updates "
                    "existing customers.",
                )
            else:
                result.outcome = RowOutcome.CREATED
                if match is not None:
                    _keep_opt_outs(ctx, result, match.deleted)
            continue
        if match.outcome == Outcome.AMBIGUOUS:
            hit = next(h for h in match.hits if h.customer_ids)
            names = ", ".join(_label(c) for c in match.candidates if c.pk in hit.customer_ids)
            result.row.reject(
                "", f"The {KEY_NOUNS[hit.key]} {hit.value} belongs to several customers: {names}."
            )
            continue
        if match.outcome == Outcome.CONFLICT:
            by_id = {c.pk: c for c in match.candidates}
            parts = [
                f"the {KEY_NOUNS[h.key]} matches {_label(by_id[h.customer_ids[0]])}"
                for h in match.hits
                if h.customer_ids
            ]
            result.row.reject(
                "", "The keys point to different customers: " + "; ".join(parts) + "."
            )
            continue
        customer = match.customer
        if customer is None:  # ONE always names its customer
            continue
        result.customer_id = customer.pk
        if mode == "add":
            result.outcome = RowOutcome.UNCHANGED
            continue
        # A note the customer has already (the same file imported again) is not added twice.
        result.row.notes = [n for n in result.row.notes if n not in notes.get(customer.pk, set())]
        # Custom values the customer holds already are no change (nor a new version).
        stored = current_custom.get(customer.pk, {})
        result.row.custom = {
            key: value
            for key, value in result.row.custom.items()
            if key not in stored or custom_value_shape(ctx.custom_fields[key], value) != stored[key]
        }
        _diff(ctx, result, customer, have.get(customer.pk, set()))


def _keep_opt_outs(ctx: Context, result: Result, deleted: Sequence[Customer]) -> None:
    """A new customer whose email or phone belonged to a deleted customer who opted out
    stays opted out: deleting a record must not turn an old list into fresh consent."""
    if ctx.options.fresh_consent:
        return
    for channel, state in list(result.row.consent.items()):
        opted_out = any(getattr(c, f"{channel}_consent") == ConsentState.OPTED_OUT for c in deleted)
        if state == ConsentState.OPTED_IN and opted_out:
            result.row.consent[channel] = ConsentState.OPTED_OUT


def _diff(ctx: Context, result: Result, customer: Customer, have: set[int]) -> None:
    """What this row would change on `customer`; empty cells change nothing unless the
    user asked that they clear."""
    record = dict(result.row.record)
    if not record.get("account_number"):
        record.pop("account_number", None)  # never cleared, only changed
    for name, new in record.items():
        if new in ("", None) and not ctx.options.blank_clears:
            continue
        old = getattr(customer, name)
        if old != new:
            result.changes[name] = (old, new)
    result.new_categories = [
        ctx.categories[n.casefold()]
        for n in dict.fromkeys(result.row.categories)
        if n.casefold() in ctx.categories and ctx.categories[n.casefold()].pk not in have
    ]
    for channel, state in result.row.consent.items():
        current = getattr(customer, f"{channel}_consent")
        if current == state:
            continue
        if (
            current == ConsentState.OPTED_OUT
            and state == ConsentState.OPTED_IN
            and not ctx.options.fresh_consent
        ):
            continue  # an old list must not re-subscribe someone who opted out
        result.consent[channel] = state
    changed = (
        result.changes
        or result.new_categories
        or result.consent
        or result.row.notes
        or result.row.custom
    )
    result.outcome = RowOutcome.UPDATED if changed else RowOutcome.UNCHANGED
    result.before = {
        "version": customer.version,
        "fields": {k: _plain(old) for k, (old, _new) in result.changes.items()},
        "categories_added": [c.pk for c in result.new_categories],
        "consent": {ch: getattr(customer, f"{ch}_consent") for ch in result.consent},
    }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, date | Decimal) else value


def _identifiers(ctx: Context, results: list[Result]) -> None:
    """Account number, card and external id are unique in the organization, deleted and
    merged customers included; two rows of one batch cannot claim the same one either."""
    live = [r for r in _live(results) if r.outcome in (RowOutcome.CREATED, RowOutcome.UPDATED)]
    owners: dict[tuple[str, str], Customer] = {}
    for name in IDENTIFIERS:
        values = {str(r.row.record.get(name) or "") for r in live} - {""}
        if values:
            for customer in Customer.objects.filter(**{f"{name}__in": sorted(values)}).order_by():
                owners[(name, getattr(customer, name))] = customer
    claimed: dict[tuple[str, str], int] = {}
    for result in live:
        if not result.row.ok:
            continue
        for name, noun in IDENTIFIERS.items():
            value = result.row.record.get(name)
            if not value:
                continue
            owner = owners.get((name, value))
            header = result.row.sources.get(name, name)
            if owner is not None and owner.pk != result.customer_id:
                state = " (deleted)" if owner.deleted_at else ""
                result.row.reject(
                    header, f"The {noun} {value} already belongs to {_label(owner)}{state}."
                )
            elif (name, value) in claimed:
                result.row.reject(
                    header, f"The {noun} {value} is also on row {claimed[(name, value)]}."
                )
            else:
                claimed[(name, value)] = result.row.number
    for result in results:
        if not result.row.ok:
            result.outcome = RowOutcome.REJECTED


def _required(ctx: Context, results: list[Result]) -> None:
    """A new customer needs what the record form asks for."""
    required = [f for f in ctx.custom_fields.values() if f.required]
    for result in _live(results):
        if result.outcome != RowOutcome.CREATED:
            continue
        record = result.row.record
        if not (record.get("first_name") or record.get("last_name") or record.get("company")):
            result.row.reject("", "A new customer needs a first name, last name or company.")
        if ctx.org.require_gender_dob:
            if not record.get("gender"):
                result.row.reject(_header(ctx, "gender"), "Your organization requires a gender.")
            if not record.get("date_of_birth"):
                result.row.reject(
                    _header(ctx, "date_of_birth"), "Your organization requires a date of birth."
                )
        for custom_field in required:
            if result.row.custom.get(custom_field.key) in (None, ()):
                result.row.reject(
                    _header(ctx, f"custom:{custom_field.key}"),
                    f"“{custom_field.label}” is required for new customers.",
                )
    for result in results:
        if not result.row.ok:
            result.outcome = RowOutcome.REJECTED


def _write(ctx: Context, results: list[Result]) -> None:
    _create(ctx, [r for r in results if r.row.ok and r.outcome == RowOutcome.CREATED])
    updates = [r for r in results if r.row.ok and r.outcome == RowOutcome.UPDATED]
    if updates:
        _update(ctx, updates)


def _customer_row(ctx: Context, result: Result, index: int) -> CustomerRow:
    record = result.row.record
    text = {
        name: record.get(name) or ""
        for name in (
            "first_name",
            "last_name",
            "company",
            "email",
            *PHONE_FIELDS,
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "gender",
            "loyalty_card",
            "external_id",
        )
    }
    birth = record.get("date_of_birth")
    custom = {
        key: custom_value_plain(ctx.custom_fields[key], value)
        for key, value in result.row.custom.items()
        if value not in (None, ())
    }
    return CustomerRow(
        index=index,
        email_raw=text["email"],
        phone_mobile_raw=text["phone_mobile"],
        phone_home_raw=text["phone_home"],
        phone_work_raw=text["phone_work"],
        date_of_birth=birth or None,
        status=CustomerStatus.ACTIVE,
        source="import",
        discount_percent=record.get("discount_percent"),
        email_consent=result.row.consent.get("email", ConsentState.UNKNOWN),
        sms_consent=result.row.consent.get("sms", ConsentState.UNKNOWN),
        email_blocked=False,
        sms_blocked=False,
        all_locations=True,
        location_slot=0,
        created_days_ago=0,
        categories=tuple(dict.fromkeys(c.casefold() for c in result.row.categories)),
        custom=custom,
        notes=tuple(result.row.notes),
        account_number=record.get("account_number") or "",
        first_name=text["first_name"],
        last_name=text["last_name"],
        company=text["company"],
        email=text["email"],
        phone_mobile=text["phone_mobile"],
        phone_home=text["phone_home"],
        phone_work=text["phone_work"],
        address_line1=text["address_line1"],
        address_line2=text["address_line2"],
        city=text["city"],
        region=text["region"],
        postal_code=text["postal_code"],
        country=text["country"],
        gender=text["gender"],
        loyalty_card=text["loyalty_card"],
        external_id=text["external_id"],
    )


def _create(ctx: Context, creates: list[Result]) -> None:
    if not creates:
        return
    all_locations, locations = default_locations(ctx.actor)
    plan = LoadPlan(
        locations=locations,
        all_locations=all_locations,
        categories=ctx.categories,
        fields=ctx.custom_fields,
        options=ctx.options_by_label,
        reminders=False,
        backdate=False,
        audit_source="import",
        label=f"Import of {ctx.run.original_name}"[:254],
        consent_detail=f"Import of {ctx.run.original_name}"[:200],
        audit_extra={"import": ctx.run.pk},
    )
    rows = [_customer_row(ctx, r, r.row.number) for r in creates]
    ids = customers_insert(org=ctx.org, actor=ctx.actor, rows=rows, plan=plan)
    for result, pk in zip(creates, ids, strict=True):
        result.customer_id = pk


def _update(ctx: Context, updates: list[Result]) -> None:
    now = timezone.now()
    ids = [r.customer_id for r in updates]
    # Locked (PostgreSQL; SQLite's IMMEDIATE batch holds the write lock already) and
    # compared with the version the row was matched against: an edit made meanwhile is
    # never overwritten.
    locked = Customer.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by()
    customers = {c.pk: c for c in locked}
    audit: list[AuditItem] = []
    notes: list[tuple[Result, Note]] = []
    events: list[ConsentEvent] = []
    links: list[Any] = []
    through = Customer.categories.through
    label = f"Import of {ctx.run.original_name}"[:254]
    for result in updates:
        customer = customers[result.customer_id or 0]
        if customer.version != result.before.get("version"):
            result.row.reject(
                "",
                f"{_label(customer)} was changed while this file was imported; import "
                "the rejected rows again.",
            )
            result.outcome = RowOutcome.REJECTED
            continue
        fields = list(result.changes)
        for name, (_old, new) in result.changes.items():
            setattr(customer, name, new)
        if "email" in result.changes:
            customer.email_key = email_key(customer.email)
            customer.email_invalid_at = None
            customer.email_invalid_reason = ""
            fields += ["email_key", "email_invalid_at", "email_invalid_reason"]
        for channel, state in result.consent.items():
            setattr(customer, f"{channel}_consent", state)
            fields.append(f"{channel}_consent")
            events.append(
                ConsentEvent(
                    organization=ctx.org,
                    customer=customer,
                    channel=channel,
                    state=state,
                    blocked=getattr(customer, f"{channel}_blocked"),
                    source=ConsentSource.IMPORT,
                    detail=label[:200],
                    actor_user=ctx.actor.user,
                    actor_label=ctx.actor.label[:254],
                )
            )
        fields += search_fields_set(customer)
        changes: dict[str, Any] = {
            k: (_plain(a), _plain(b)) for k, (a, b) in result.changes.items()
        }
        if result.row.custom:
            cleaned = CleanedCustomValues(
                organization_id=ctx.org.pk, fields=ctx.custom_fields, values=result.row.custom
            )
            custom_before: dict[str, Any] = {}
            for key, pair in custom_values_save(customer=customer, cleaned=cleaned).items():
                changes[f"custom_fields.{key}"] = pair
                custom_before[key] = pair[0]
            result.before["custom"] = custom_before
        result.before["consent_set"] = dict(result.consent)
        updates_of = {name: getattr(customer, name) for name in dict.fromkeys(fields)}
        Customer.objects.filter(pk=customer.pk).update(
            **updates_of, version=F("version") + 1, updated_at=now
        )
        customer.version += 1
        result.before["version_after"] = customer.version
        links.extend(
            through(customer_id=customer.pk, category_id=c.pk) for c in result.new_categories
        )
        notes.extend(
            (result, Note(organization=ctx.org, customer=customer, text=text, author_label=label))
            for text in result.row.notes
        )
        if result.new_categories:
            changes["categories_added"] = [c.name for c in result.new_categories]
        if result.consent:
            changes["consent"] = dict(result.consent)
        audit.append(
            AuditItem(
                action="customers.customer.updated",
                target=customer,
                changes={**changes, "import": ctx.run.pk},
            )
        )
    through.objects.bulk_create(links, ignore_conflicts=True)
    Note.objects.bulk_create([note for _result, note in notes])
    for result, note in notes:  # undo removes exactly these
        result.before.setdefault("notes", []).append(note.pk)
    ConsentEvent.objects.bulk_create(events)
    audit_record_many(org=ctx.org, actor=ctx.actor, items=audit)


OUTCOME_COLUMNS = (
    "organization",
    "run",
    "number",
    "outcome",
    "customer",
    "errors",
    "cells",
    "before",
    "version_after",
)


def _outcome_rows(ctx: Context, results: list[Result]) -> None:
    """One row per file row, as raw values: through the ORM these took longer than the
    customers they describe."""
    as_json = ImportRow._meta.get_field("errors").get_db_prep_save
    rows = []
    for result in results:
        rejected = not result.row.ok
        before = dict(result.before)
        version_after = before.pop("version_after", None)
        if result.outcome == RowOutcome.CREATED:
            version_after = 1
        updated = result.outcome == RowOutcome.UPDATED and not rejected
        rows.append(
            (
                ctx.org.pk,
                ctx.run.pk,
                result.row.number,
                RowOutcome.REJECTED if rejected else result.outcome,
                None if rejected else result.customer_id,
                as_json(result.row.errors, connection),
                as_json(result.row.cells if rejected else [], connection),
                as_json(before if updated else {}, connection),
                None if rejected else version_after,
            )
        )
    RawInsert(ImportRow, OUTCOME_COLUMNS).insert(rows)


def tally(results: Sequence[Result], into: Mapping[str, int] | None = None) -> dict[str, int]:
    counts = {o.value: 0 for o in RowOutcome}
    counts.update(into or {})
    for result in results:
        outcome = RowOutcome.REJECTED if not result.row.ok else result.outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
