"""Customer search: one `fold()` for the stored columns and for the query, ranked in tiers.

Stored (kept by `customers.services`, the demo loader's bulk inserts and `regulars search
rebuild`): `search_doc` (every searchable value, folded, phones as digits in international
and national form), `first_folded`, `last_folded`, `email_folded` and `initials`.

Indexes: the folded name, email and initials columns have (organization, column) B-trees
that answer exact and prefix lookups (a range `col >= 'ab' AND col < 'ac'` on SQLite, a
`LIKE 'ab%'` over `varchar_pattern_ops` on PostgreSQL); `search_doc` has an FTS5 trigram
index on SQLite (`customers_search`, kept in step by triggers, so raw-SQL inserts are found
too) and a pg_trgm GIN index on PostgreSQL. Terms under three characters cannot use a
trigram index: they search the B-trees only.

Ranking: exact matches, then prefix matches, then substring matches; each tier takes at most
`TIER_LIMIT` candidates from its index (unordered, so the index walk stops early), ranks
those by most recent activity (`updated_at`, until visits exist), then id.
"""

from regulars.customers.search.fields import (
    FTS_TABLE,
    MIN_TRIGRAM,
    SEARCH_COLUMNS,
    SEARCH_SOURCES,
    TIER_LIMIT,
    fold,
    search_fields,
    search_fields_set,
)
from regulars.customers.search.index import (
    search_index_drop,
    search_index_ensure,
    search_index_install,
    search_index_rebuild,
    search_rebuild,
)
from regulars.customers.search.paging import RankedPage, ranked_cursor, ranked_page
from regulars.customers.search.query import (
    SearchQuery,
    candidate_statements,
    customer_search,
    search_is_capped,
    search_query,
)

__all__ = [
    "FTS_TABLE",
    "MIN_TRIGRAM",
    "SEARCH_COLUMNS",
    "SEARCH_SOURCES",
    "TIER_LIMIT",
    "RankedPage",
    "SearchQuery",
    "candidate_statements",
    "customer_search",
    "fold",
    "ranked_cursor",
    "ranked_page",
    "search_fields",
    "search_fields_set",
    "search_index_drop",
    "search_index_ensure",
    "search_index_install",
    "search_index_rebuild",
    "search_is_capped",
    "search_query",
    "search_rebuild",
]
