"""Paging over a ranked list of ids: the cursor is a position, tied to the search."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import QuerySet

from regulars.core.paging import bad_cursor, query_fingerprint
from regulars.customers.models import Customer

# --- Paging over a ranked list ------------------------------------------------------------


@dataclass(frozen=True)
class RankedPage:
    items: list[Customer]
    next_cursor: str | None
    prev_cursor: str | None
    total: int


def ranked_cursor(position: int, key: str) -> str:
    raw = json.dumps({"at": position, "q": query_fingerprint(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def ranked_position(cursor: str | None, key: str) -> int:
    """The position a cursor of the same search points at (0 without one). A cursor that
    does not decode or belongs to another search raises a DomainError on `cursor`."""
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position, fingerprint = data["at"], data["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise bad_cursor()
    if fingerprint != query_fingerprint(key):
        raise bad_cursor()
    return position


def ranked_page(
    queryset: QuerySet[Customer],
    ids: list[int],
    *,
    key: str,
    cursor: str | None,
    per_page: int,
) -> RankedPage:
    """One page of a ranked id list: the rows of `queryset` at those ids, in rank order.

    `key` names the search (query and filters); a cursor of another search is refused."""
    start = ranked_position(cursor, key)
    start = min(start, max(len(ids) - 1, 0))
    page_ids = ids[start : start + per_page]
    # No ORDER BY: the list's default order would walk a name index over the whole
    # organization instead of looking the page's ids up.
    rows = {c.pk: c for c in queryset.filter(id__in=page_ids).order_by()} if page_ids else {}
    end = start + per_page
    return RankedPage(
        items=[rows[pk] for pk in page_ids if pk in rows],
        next_cursor=ranked_cursor(end, key) if end < len(ids) else None,
        prev_cursor=ranked_cursor(max(start - per_page, 0), key) if start > 0 else None,
        total=len(ids),
    )
