"""Paging over a ranked list of ids: the cursor is a position, tied to the search."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from django.db.models import QuerySet

from regulars.customers.models import Customer

# --- Paging over a ranked list ------------------------------------------------------------


@dataclass(frozen=True)
class RankedPage:
    items: list[Customer]
    next_cursor: str | None
    prev_cursor: str | None
    total: int


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def ranked_cursor(position: int, key: str) -> str:
    raw = json.dumps({"at": position, "q": _fingerprint(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def ranked_position(cursor: str | None, key: str) -> int | None:
    """The position a cursor of the same search points at; None for a cursor that does not
    decode or belongs to another search."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position, fingerprint = data["at"], data["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        return None
    if fingerprint != _fingerprint(key):
        return None
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

    `key` names the search (query and filters); a cursor of another search starts at the top."""
    start = ranked_position(cursor, key) or 0
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
