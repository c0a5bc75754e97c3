"""The query side: a search folded as the columns are, ranked in tiers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from regulars.customers.models import PHONE_FIELDS, Customer
from regulars.customers.search.fields import (
    DIGITS,
    FTS_LIMIT,
    FTS_TABLE,
    MIN_PHONE_DIGITS,
    MIN_TRIGRAM,
    PHONE_LIKE,
    TIER_LIMIT,
    fold,
)
from regulars.tenancy.scope import require_org

# --- The query side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """A query folded as the stored columns are: words, or one run of digits (a phone
    typed with spaces, dashes or a +)."""

    raw: str
    words: tuple[str, ...]
    digits: str = ""

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def substring_words(self) -> tuple[str, ...]:
        """The words a trigram index can answer (three characters or more)."""
        return tuple(w for w in self.words if len(w) >= MIN_TRIGRAM)


def search_query(q: str) -> SearchQuery:
    raw = (q or "").strip()
    if PHONE_LIKE.match(raw):
        digits = DIGITS.sub("", raw)
        if len(digits) >= MIN_PHONE_DIGITS:
            return SearchQuery(raw=raw, words=(digits,), digits=digits)
    return SearchQuery(raw=raw, words=tuple(fold(raw).split()))


def _prefix(column: str, value: str) -> Q:
    """Rows whose `column` starts with `value`, in a form the (organization, column) B-tree
    answers: a range on SQLite (its LIKE ignores a BINARY index), LIKE 'v%' on PostgreSQL
    (the index uses varchar_pattern_ops)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{column}__startswith": value})
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return Q(**{f"{column}__gte": value, f"{column}__lt": upper})


def _splits(words: tuple[str, ...]) -> list[tuple[str, str]]:
    """(first-name part, last-name part) for every way to split the words, both orders."""
    pairs = []
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        pairs += [(head, tail), (tail, head)]
    return pairs


def _identifiers(query: SearchQuery) -> Q:
    values = {query.raw, query.raw.upper()}
    match = Q()
    for name in ("account_number", "loyalty_card", "external_id"):
        match |= Q(**{f"{name}__in": sorted(values)})
    if query.digits:
        e164 = f"+{query.digits}"
        for name in PHONE_FIELDS:
            match |= Q(**{name: e164})
    return match


def _exact(query: SearchQuery) -> Q | None:
    words = query.words
    if len(words) == 1:
        (w,) = words
        match = Q(first_folded=w) | Q(last_folded=w) | Q(email_folded=w) | Q(initials=w)
        return match | _identifiers(query)
    match = Q()
    for first, last in _splits(words):
        match |= Q(first_folded=first, last_folded=last)
    return match


def _prefixes(query: SearchQuery) -> Q | None:
    words = query.words
    if query.digits:
        return None
    if len(words) == 1:
        (w,) = words
        return _prefix("first_folded", w) | _prefix("last_folded", w) | _prefix("email_folded", w)
    match = Q()
    for first, last in _splits(words):
        match |= _prefix("first_folded", first) & _prefix("last_folded", last)
    return match


def _fts_match(words: Iterable[str]) -> str:
    """An FTS5 query: every word a quoted phrase (folded words hold no quote)."""
    return " AND ".join(f'"{w}"' for w in words)


def _substring(queryset: QuerySet[Customer], query: SearchQuery) -> QuerySet[Customer] | None:
    long_words = query.substring_words
    if not long_words:
        return None
    if connection.vendor == "sqlite":
        # The FTS index goes first: the subquery is a list of rowids, looked up by primary key.
        matched = RawSQL(  # noqa: S611 (constant SQL; the match string is a parameter)
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",  # noqa: S608
            [_fts_match(long_words), FTS_LIMIT],
        )
        queryset = queryset.filter(id__in=matched)
        rest = [w for w in query.words if w not in long_words]
    else:
        rest = list(query.words)
    for word in rest:
        queryset = queryset.filter(search_doc__contains=word)
    return queryset


# SQLite without ANALYZE statistics guesses that (organization, deleted_at) narrows as well
# as (organization, last_folded): left to choose, it walks the whole organization. So on
# SQLite the exact and prefix tiers are one small query per index, naming the index.
PHONE_INDEXES = {
    "phone_mobile": "customer_org_mobile_idx",
    "phone_home": "customer_org_home_idx",
    "phone_work": "customer_org_work_idx",
}
Lookup = tuple[str, str, list[Any]]  # (index to use or "", condition, parameters)


def _folded_index(column: str) -> str:
    return f"customer_org_{column}_idx"


def _range(column: str, value: str, *, strict: bool = False) -> tuple[str, list[Any]]:
    """`column` starts with `value` (`strict`: and is longer; the exact tier has those)."""
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return f"{column} {'>' if strict else '>='} %s AND {column} < %s", [value, upper]


def _sqlite_lookups(query: SearchQuery, tier: str) -> list[Lookup]:
    words = query.words
    lookups: list[Lookup] = []
    if tier == "exact" and len(words) == 1:
        (w,) = words
        lookups.extend(
            (_folded_index(column), f"{column} = %s", [w])
            for column in ("first_folded", "last_folded", "email_folded", "initials")
        )
        values = [query.raw, query.raw.upper()]
        # The unique (organization, account_number) constraint, an automatic index on SQLite.
        lookups.append(("", "account_number IN (%s, %s)", values))
        # A partial unique index is usable when its own condition is in the query.
        lookups.extend(
            ("", f"{column} IN (%s, %s) AND NOT ({column} = '')", values)
            for column in ("loyalty_card", "external_id")
        )
        if query.digits:
            for column, index in PHONE_INDEXES.items():
                lookups.append((index, f"{column} = %s", [f"+{query.digits}"]))
    elif tier == "exact":
        for first, last in _splits(words):
            condition = "last_folded = %s AND first_folded = %s"
            lookups.append((_folded_index("last_folded"), condition, [last, first]))
    elif tier == "prefix" and not query.digits and len(words) == 1:
        for column in ("first_folded", "last_folded", "email_folded"):
            condition, params = _range(column, words[0], strict=True)
            lookups.append((_folded_index(column), condition, params))
    elif tier == "prefix" and not query.digits:
        for first, last in _splits(words):
            last_condition, last_params = _range("last_folded", last)
            first_condition, first_params = _range("first_folded", first)
            lookups.append(
                (
                    _folded_index("last_folded"),
                    f"{last_condition} AND {first_condition}",
                    last_params + first_params,
                )
            )
    return lookups


Where = tuple[str, list[Any]]  # a condition over customers_customer, with its parameters
Statement = tuple[str, list[Any]]
# `updated_at || ''`: the text as stored (it sorts as the time does), without the datetime
# conversion Django's SQLite backend applies to a declared datetime column, row by row.
COLUMNS = "customers_customer.id, customers_customer.updated_at || ''"


def _where(queryset: QuerySet[Customer]) -> Where | None:
    """The queryset's WHERE as SQL over customers_customer alone (tenancy, deleted, status,
    locations, filters), or None when it joins other tables."""
    query = queryset.query
    used = [alias for alias in query.alias_map if query.alias_refcount.get(alias)]
    if len(used) > 1 or query.distinct or query.combinator:
        return None
    compiler = query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.compile(query.where)
    except EmptyResultSet:
        return "0", []
    return (sql or "1"), list(params)


def _lookup_sql(where: Where, lookup: Lookup) -> Statement:
    index, condition, params = lookup
    hint = f" INDEXED BY {index}" if index else ""
    sql = (
        f"SELECT {COLUMNS} FROM customers_customer{hint} "  # noqa: S608 (constants only)
        f"WHERE {where[0]} AND {condition} LIMIT %s"
    )
    return sql, [*where[1], *params, TIER_LIMIT]


def _fts_sql(where: Where, query: SearchQuery) -> Statement | None:
    """The substring tier on SQLite: the FTS index first (CROSS JOIN keeps that order), each
    match's row by its id, the list's conditions on it; stops at TIER_LIMIT rows."""
    long_words = query.substring_words
    if not long_words:
        return None
    short = [w for w in query.words if w not in long_words]
    extra = "".join(" AND customers_customer.search_doc LIKE %s" for _ in short)
    sql = (
        f"SELECT {COLUMNS} FROM {FTS_TABLE} CROSS JOIN customers_customer "  # noqa: S608
        f"ON customers_customer.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND {where[0]}{extra} LIMIT %s"
    )
    return sql, [_fts_match(long_words), *where[1], *(f"%{w}%" for w in short), TIER_LIMIT]


def _sqlite_tiers(where: Where, query: SearchQuery) -> list[list[Statement]]:
    tiers = [
        [_lookup_sql(where, lookup) for lookup in _sqlite_lookups(query, tier)]
        for tier in ("exact", "prefix")
    ]
    fts = _fts_sql(where, query)
    if fts is not None:
        tiers.append([fts])
    return [t for t in tiers if t]


def _run(statements: list[Statement]) -> list[tuple[int, Any]]:
    """(id, updated_at) of the rows the statements find, at most TIER_LIMIT of them."""
    found: dict[int, Any] = {}
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            found.update((int(pk), updated) for pk, updated in cursor.fetchall())
            if len(found) >= TIER_LIMIT:
                break
    return list(found.items())[:TIER_LIMIT]


def _sqlite_ids(org_id: int, lookups: list[Lookup]) -> list[int]:
    """Ids the lookups find among the organization's live customers, at most TIER_LIMIT."""
    where = (
        "customers_customer.organization_id = %s AND customers_customer.deleted_at IS NULL",
        [org_id],
    )
    return [pk for pk, _ in _run([_lookup_sql(where, lookup) for lookup in lookups])]


def _tiers(queryset: QuerySet[Customer], query: SearchQuery) -> list[QuerySet[Customer]]:
    """The exact, prefix and substring tiers as querysets whose first TIER_LIMIT rows (in no
    particular order) are the candidates: PostgreSQL, and SQLite when the list's conditions
    join other tables."""
    tiers: list[QuerySet[Customer]] = []
    if connection.vendor == "sqlite":
        org = require_org()
        for tier in ("exact", "prefix"):
            lookups = _sqlite_lookups(query, tier)
            if lookups:
                tiers.append(queryset.filter(id__in=_sqlite_ids(org.pk, lookups)))
    else:
        conditions = (_exact(query), _prefixes(query))
        tiers.extend(queryset.filter(c) for c in conditions if c is not None)
    substring = _substring(queryset, query)
    if substring is not None:
        tiers.append(substring)
    return tiers


def _pg_substring_sql(where: Where, query: SearchQuery) -> Statement | None:
    """The substring tier on PostgreSQL. Under a LIMIT the planner prefers reading the
    table until enough rows match; planned apart (a materialised CTE, read lazily) the
    trigram GIN index answers it."""
    if not query.substring_words:
        return None
    likes = "".join(" AND customers_customer.search_doc LIKE %s" for _ in query.words)
    sql = (
        "WITH found AS MATERIALIZED (SELECT customers_customer.id, "  # noqa: S608
        f"customers_customer.updated_at FROM customers_customer WHERE {where[0]}{likes}) "
        "SELECT id, updated_at FROM found LIMIT %s"
    )
    return sql, [*where[1], *(f"%{w}%" for w in query.words), TIER_LIMIT]


def _statements(queryset: QuerySet[Customer], query: SearchQuery) -> list[list[Statement]] | None:
    """Per tier, the SQL that finds its candidates; None when the list's conditions join
    other tables (then the tiers run through the ORM, `_tiers`)."""
    where = _where(queryset)
    if where is None:
        return None
    if connection.vendor == "sqlite":
        return _sqlite_tiers(where, query)
    tiers: list[list[Statement]] = []
    for condition in (_exact(query), _prefixes(query)):
        if condition is None:
            continue
        rows = queryset.filter(condition).order_by().values_list("id", "updated_at")
        sql, params = rows[:TIER_LIMIT].query.sql_with_params()
        tiers.append([(sql, list(params))])
    substring = _pg_substring_sql(where, query)
    if substring is not None:
        tiers.append([substring])
    return tiers


def _tier_rows(queryset: QuerySet[Customer], query: SearchQuery) -> list[list[tuple[int, Any]]]:
    statements = _statements(queryset, query)
    if statements is not None:
        return [_run(tier) for tier in statements]
    return [
        list(tier.order_by().values_list("id", "updated_at")[:TIER_LIMIT])
        for tier in _tiers(queryset, query)
    ]


def search_is_capped(queryset: QuerySet[Customer], q: str) -> bool:
    """Whether a kind of match (exact, prefix, substring) stopped at TIER_LIMIT: the list
    then shows the best matches, not all of them, and a file of "everyone it matches" must
    not pretend otherwise."""
    query = search_query(q)
    if query.empty:
        return False
    return any(len(rows) >= TIER_LIMIT for rows in _tier_rows(queryset, query))


def candidate_statements(queryset: QuerySet[Customer], q: str) -> list[Statement]:
    """Every SQL statement (with parameters) a search for `q` runs to find candidates; for
    EXPLAIN in tests and benchmarks."""
    query = search_query(q)
    if query.empty:
        return []
    tiers = _statements(queryset, query)
    if tiers is not None:
        return [st for tier in tiers for st in tier]
    statements: list[Statement] = []
    if connection.vendor == "sqlite":
        org = require_org()
        own = (
            "customers_customer.organization_id = %s AND customers_customer.deleted_at IS NULL",
            [org.pk],
        )
        for tier in ("exact", "prefix"):
            statements += [_lookup_sql(own, lk) for lk in _sqlite_lookups(query, tier)]
    for tier_qs in _tiers(queryset, query):
        rows = tier_qs.order_by().values_list("id", "updated_at")[:TIER_LIMIT]
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # id IN (): nothing to look up
            continue
        statements.append((sql, list(params)))
    return statements


def customer_search(queryset: QuerySet[Customer], q: str) -> list[int]:
    """Ids of the customers in `queryset` that match `q`, best first: exact, prefix, then
    substring matches; each tier's first TIER_LIMIT candidates ranked by most recent
    activity (`updated_at`), then id."""
    query = search_query(q)
    if query.empty:
        return []
    seen: set[int] = set()
    ranked: list[int] = []
    for rows in _tier_rows(queryset, query):
        rows.sort(key=lambda r: (r[1], r[0]), reverse=True)
        fresh = [pk for pk, _ in rows if pk not in seen]
        seen.update(fresh)
        ranked += fresh
    return ranked
