"""One lookup of customers by their identifying keys, for every caller that must find "the
same customer": the lookup page and API, imports, the events API, duplicate checks, the
portal and booking.

The keys are normalised exactly as they are stored (normalize.py), so "+44 7700 900123",
"07700 900123" and "+447700900123" are one phone, and "J.Smith+shop@googlemail.com" is
"jsmith@gmail.com".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q

from regulars.core.errors import DomainError
from regulars.customers.models import PHONE_FIELDS, Customer
from regulars.customers.normalize import email_key, normalize_email, normalize_phone
from regulars.customers.selectors import visible_customer_ids
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

KEYS = ("email", "phone", "account_number", "loyalty_card", "external_id")
MERGE_HOPS = 10  # a merge chain longer than this is a data fault, not a customer
HOLDERS_MAX = 50  # a placeholder email on 50,000 rows is not 50,000 candidates


class Outcome(StrEnum):
    NONE = "none"  # no live customer holds any key (deleted ones may: see `deleted`)
    ONE = "one"  # every key that matched points to the same single customer
    AMBIGUOUS = "ambiguous"  # the first key that matched is shared by several customers
    CONFLICT = "conflict"  # the keys point to different customers


@dataclass(frozen=True)
class KeyHit:
    key: str
    value: str  # the normalised value that was looked up
    customer_ids: tuple[int, ...]  # live customers, merged records followed to the survivor
    deleted_ids: tuple[int, ...]


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    # The first key's single customer in the given order: for ONE the answer; for CONFLICT
    # the customer a caller trusting the key order would take.
    customer: Customer | None
    candidates: list[Customer] = field(default_factory=list)  # every live customer found
    deleted: list[Customer] = field(default_factory=list)  # deleted holders of a key
    hits: list[KeyHit] = field(default_factory=list)


def lookup_value(org: Organization, key: str, raw: str) -> str:
    """The stored form of a key's value, or '' when it cannot be one (a malformed email or
    phone matches nobody rather than failing the lookup)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        if key == "email":
            return email_key(normalize_email(raw))
        if key == "phone":
            return normalize_phone(raw, region=org.country)
    except DomainError:
        return ""
    return raw


def _condition(key: str, value: str) -> Q:
    if key == "email":
        return Q(email_key=value)
    if key == "phone":
        condition = Q()
        for name in PHONE_FIELDS:
            condition |= Q(**{name: value})
        return condition
    return Q(**{key: value})


def _survivor(customer: Customer) -> Customer | None:
    """Follows `merged_into` to the record that lives on (None if that one is gone)."""
    hops = 0
    while customer.merged_into_id is not None and hops < MERGE_HOPS:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        hops += 1
    if customer.merged_into_id is not None:
        return None
    return customer


def customer_find_by_keys(
    *,
    org: Organization,
    actor: Actor,
    keys: Mapping[str, str],
    order: Sequence[str] = KEYS,
) -> Match:
    """Customers holding any of `keys` (email, phone, account_number, loyalty_card,
    external_id), looked at in `order`.

    Looks across the whole organization, not only the actor's locations: a customer is one
    person wherever they were first served, and a duplicate in another location is still a
    duplicate. Callers showing the result must not show more than the actor may see.
    """
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    unknown = [k for k in (*keys, *order) if k not in KEYS]
    if unknown:
        raise ValueError(f"Unknown matching keys: {unknown}")
    hits: list[KeyHit] = []
    live: dict[int, Customer] = {}
    deleted: dict[int, Customer] = {}
    for key in order:
        value = lookup_value(org, key, keys.get(key, ""))
        if not value:
            continue
        ids: list[int] = []
        gone: list[int] = []
        holders = Customer.objects.filter(_condition(key, value)).order_by("id")
        for holder in holders[:HOLDERS_MAX]:
            survivor = _survivor(holder)
            if survivor is None or survivor.deleted_at is not None:
                target = survivor or holder
                deleted.setdefault(target.pk, target)
                gone.append(target.pk)
            elif survivor.pk not in ids:
                live.setdefault(survivor.pk, survivor)
                ids.append(survivor.pk)
        hits.append(KeyHit(key, value, tuple(ids), tuple(gone)))
    return _decide(hits, live, deleted)


def _decide(hits: list[KeyHit], live: dict[int, Customer], deleted: dict[int, Customer]) -> Match:
    matched = [hit for hit in hits if hit.customer_ids]
    if not matched:
        return Match(Outcome.NONE, None, [], list(deleted.values()), hits)
    first = matched[0]
    if len(first.customer_ids) > 1:
        return Match(Outcome.AMBIGUOUS, None, list(live.values()), list(deleted.values()), hits)
    chosen = live[first.customer_ids[0]]
    outcome = Outcome.ONE if len(live) == 1 else Outcome.CONFLICT
    return Match(outcome, chosen, list(live.values()), list(deleted.values()), hits)


def customers_find_many_by_keys(
    *,
    org: Organization,
    actor: Actor,
    rows: Sequence[Mapping[str, str]],
    order: Sequence[str] = KEYS,
    normalized: bool = False,
) -> list[Match]:
    """`customer_find_by_keys` for many rows at once (an import's batch): one query per key
    for the whole batch instead of one per key per row. Each row's answer is the one
    `customer_find_by_keys` gives for it alone (a test holds the two equal).

    `normalized`: the values are already in their stored form (`lookup_value`'s), as an
    import's checked rows are; they are not parsed again."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    unknown = [k for k in order if k not in KEYS]
    if unknown:
        raise ValueError(f"Unknown matching keys: {unknown}")
    if normalized:
        values = [{key: row.get(key, "") for key in order} for row in rows]
    else:
        values = [{key: lookup_value(org, key, row.get(key, "")) for key in order} for row in rows]
    holders: dict[tuple[str, str], list[Customer]] = {}
    for key in order:
        wanted = sorted({v[key] for v in values if v[key]})
        for start in range(0, len(wanted), IN_CHUNK):
            _holders_of(key, wanted[start : start + IN_CHUNK], holders)
    survivors: dict[int, Customer | None] = {}
    matches = []
    for row_values in values:
        hits: list[KeyHit] = []
        live: dict[int, Customer] = {}
        deleted: dict[int, Customer] = {}
        for key in order:
            value = row_values[key]
            if not value:
                continue
            ids: list[int] = []
            gone: list[int] = []
            for holder in holders.get((key, value), [])[:HOLDERS_MAX]:
                if holder.pk not in survivors:
                    survivors[holder.pk] = _survivor(holder)
                survivor = survivors[holder.pk]
                if survivor is None or survivor.deleted_at is not None:
                    target = survivor or holder
                    deleted.setdefault(target.pk, target)
                    gone.append(target.pk)
                elif survivor.pk not in ids:
                    live.setdefault(survivor.pk, survivor)
                    ids.append(survivor.pk)
            hits.append(KeyHit(key, value, tuple(ids), tuple(gone)))
        matches.append(_decide(hits, live, deleted))
    return matches


IN_CHUNK = 500  # values per IN list


def _holders_of(key: str, wanted: list[str], into: dict[tuple[str, str], list[Customer]]) -> None:
    """Files each customer holding one of `wanted` under (key, value), in id order."""
    if key == "phone":
        # One query per column: each uses its own index (an OR of three may not).
        by_id: dict[int, Customer] = {}
        for name in PHONE_FIELDS:
            for customer in Customer.objects.filter(**{f"{name}__in": wanted}).order_by():
                by_id.setdefault(customer.pk, customer)
        holders = [by_id[pk] for pk in sorted(by_id)]
    else:
        column = "email_key" if key == "email" else key
        # No ORDER BY: sorted here. With the default name order, SQLite walked the name
        # index instead of looking each value up in this key's index.
        rows = Customer.objects.filter(**{f"{column}__in": wanted}).order_by()
        holders = sorted(rows, key=lambda c: c.pk)
    chosen = set(wanted)
    for customer in holders:
        if key == "phone":
            found = {getattr(customer, name) for name in PHONE_FIELDS} & chosen
        else:
            found = {customer.email_key if key == "email" else getattr(customer, key)}
        for value in sorted(found):
            into.setdefault((key, value), []).append(customer)


def match_visible_to(match: Match, visible_ids: set[int]) -> Match:
    """The match as an actor limited to some locations may see it: customers of other
    locations are left out (their existence included), and the outcome follows."""
    candidates = [c for c in match.candidates if c.pk in visible_ids]
    deleted = [c for c in match.deleted if c.pk in visible_ids]
    hits = [
        KeyHit(
            h.key,
            h.value,
            tuple(i for i in h.customer_ids if i in visible_ids),
            tuple(i for i in h.deleted_ids if i in visible_ids),
        )
        for h in match.hits
    ]
    if not candidates:
        return Match(Outcome.NONE, None, [], deleted, hits)
    customer = match.customer if match.customer in candidates else None
    if len(candidates) == 1:
        return Match(Outcome.ONE, candidates[0], candidates, deleted, hits)
    outcome = match.outcome if customer is not None else Outcome.AMBIGUOUS
    return Match(outcome, customer, candidates, deleted, hits)


def customer_find_visible(
    *, org: Organization, actor: Actor, keys: Mapping[str, str], order: Sequence[str] = KEYS
) -> Match:
    """`customer_find_by_keys` for showing to the actor (the lookup page and API): only
    customers the actor may see."""
    match = customer_find_by_keys(org=org, actor=actor, keys=keys, order=order)
    if actor.location_ids is None:
        return match
    ids = [c.pk for c in (*match.candidates, *match.deleted)]
    return match_visible_to(match, visible_customer_ids(actor=actor, customer_ids=ids))
