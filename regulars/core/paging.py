"""Paging and sorting for HTML lists: page numbers for short lists, keysets for long ones."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest

from regulars.core.errors import DomainError

PAGE_SIZE = 50
BAD_CURSOR = "This cursor belongs to another list or is not valid; start again without it."


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE
) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def sort(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    allowed: dict[str, tuple[str, ...]],
    default: str,
) -> tuple[QuerySet[Any], str]:
    """`?sort=name` or `?sort=-name` over a whitelist; unknown keys fall back to the default."""
    key = request.GET.get("sort", default)
    bare = key.removeprefix("-")
    if bare not in allowed:
        key, bare = default, default.removeprefix("-")
    fields = allowed[bare]
    if key.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return queryset.order_by(*fields, "pk"), key


@dataclass(frozen=True)
class KeysetPage:
    """One page of a keyset-paged list: rows plus opaque cursors to the pages either side."""

    items: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None  # with `count=`: the match count, as of the list's first page


def _plain(value: Any) -> str:
    # Full precision: DjangoJSONEncoder cuts datetimes to milliseconds, which would make
    # rows within one millisecond of the cursor repeat or vanish.
    if isinstance(value, datetime | date | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    raise TypeError(f"Cannot put {type(value).__name__} in a cursor")


def query_fingerprint(key: str) -> str:
    """A short hash of what a list shows (search, filters, sort): a cursor carries it, so
    a cursor of one list is refused by another instead of paging it from a wrong place."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def bad_cursor() -> DomainError:
    return DomainError.for_field("cursor", BAD_CURSOR)


def _encode_position(
    direction: str, values: list[Any], fingerprint: str, total: int | None = None
) -> str:
    raw = json.dumps([direction, values, fingerprint, total], default=_plain, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_position(cursor: str, fingerprint: str) -> tuple[str, list[Any], int | None]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, values, carried, total = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise bad_cursor() from exc
    if direction not in ("a", "b") or not isinstance(values, list) or carried != fingerprint:
        raise bad_cursor()
    if total is not None and (
        not isinstance(total, int) or isinstance(total, bool) or not 0 <= total < 2**62
    ):
        raise bad_cursor()
    return direction, values, total


def _typed_values(queryset: QuerySet[Any], names: list[str], values: list[Any]) -> list[Any] | None:
    """The cursor's values as the order fields' own types, or None when one cannot be (a
    tampered cursor). None stays None on a nullable field (a page that ends among the rows
    without a value)."""
    if len(values) != len(names):
        return None
    typed: list[Any] = []
    meta = queryset.model._meta
    for name, value in zip(names, values, strict=True):
        field = meta.pk if name == "pk" else meta.get_field(name)
        if value is None and name != "pk" and _is_nullable(field):
            typed.append(None)
            continue
        if value is None or isinstance(value, list | dict | float):
            return None
        if isinstance(value, str) and "\x00" in value:
            return None  # no column holds a NUL, and PostgreSQL refuses one in a parameter
        try:
            # A generated column converts as its output field does.
            typed_field = getattr(field, "output_field", field)
            converted = typed_field.to_python(value)
            if isinstance(converted, Decimal):
                typed_field.run_validators(converted)  # digits the column can hold
        except (ValidationError, TypeError, ValueError, OverflowError):
            return None
        if converted is None or (isinstance(converted, int) and abs(converted) > 2**62):
            return None
        if isinstance(converted, datetime) and (
            converted.tzinfo is None
            or not datetime(2, 1, 1, tzinfo=UTC) < converted < datetime(9998, 12, 31, tzinfo=UTC)
        ):
            return None  # would overflow when the engine turns it into its own time
        typed.append(converted)
    return typed


def _is_nullable(field: Any) -> bool:
    # A GeneratedField says null=False; its output field knows.
    return bool(getattr(getattr(field, "output_field", field), "null", False))


def _nullable(queryset: QuerySet[Any], names: list[str]) -> set[str]:
    meta = queryset.model._meta
    return {n for n in names if n != "pk" and _is_nullable(meta.get_field(n))}


def _ordering(fields: tuple[str, ...], nullable: set[str], *, forward: bool) -> list[Any]:
    """ORDER BY terms, NULLs of nullable fields last (first when walking backwards)."""
    terms: list[Any] = []
    for spec in fields:
        name = spec.lstrip("-")
        descending = spec.startswith("-") == forward
        if name not in nullable:
            terms.append(f"-{name}" if descending else name)
        elif forward:
            terms.append(
                F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
            )
        else:
            terms.append(
                F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_first=True)
            )
    return terms


def _beyond(fields: tuple[str, ...], values: list[Any], *, forward: bool, nullable: set[str]) -> Q:
    """Rows after (or before) `values` in the order of `fields` ('-name' descending, NULLs
    of nullable fields last): (a > x) or (a = x and b > y) or …, which the (org, a, b, id)
    indexes answer."""
    condition = Q()
    equal = Q()
    for i, spec in enumerate(fields):
        name = spec.lstrip("-")
        ascending = not spec.startswith("-")
        op = "gt" if ascending == forward else "lt"
        value = values[i]
        strict: Q | None
        if value is None:
            # Past a NULL only NULLs follow (ordered by the later fields); before it, all values.
            strict = None if forward else Q(**{f"{name}__isnull": False})
            same = Q(**{f"{name}__isnull": True})
        else:
            strict = Q(**{f"{name}__{op}": value})
            if forward and name in nullable:
                strict |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        if strict is not None:
            condition |= equal & strict
        equal &= same
    return condition & _leading_bound(fields[0], values[0], forward=forward, nullable=nullable)


def _leading_bound(spec: str, value: Any, *, forward: bool, nullable: set[str]) -> Q:
    """A range on the first sort field that the OR chain implies: neither engine turns
    `(a > x) or (a = x and …)` into an index seek, but with `a >= x` beside it both start
    the (org, a, …) index at the cursor instead of walking to it (a deep page costs what
    page 1 does)."""
    name = spec.lstrip("-")
    ascending = not spec.startswith("-")
    if value is None:
        # Only NULLs follow a NULL going forward; going back, anything may come before it.
        return Q(**{f"{name}__isnull": True}) if forward else Q()
    if name in nullable and forward:
        return Q()  # the NULLs after the values belong to the page too: no single range
    return Q(**{f"{name}__{'gte' if ascending == forward else 'lte'}": value})


def keyset_page(
    queryset: QuerySet[Any],
    *,
    order: tuple[str, ...],
    cursor: str | None,
    per_page: int = PAGE_SIZE,
    key: str = "",
    count: Callable[[], int] | None = None,
) -> KeysetPage:
    """A page of `queryset` in `order` (which must end with a unique field, e.g. 'pk'),
    after or before a cursor: as fast on page 20,000 as on page 1, and stable while rows
    are added. `key` names the list (its search and filters); a cursor that does not decode,
    does not fit `order`, or was made for another key raises a DomainError on `cursor`.

    `count` counts the matches; it runs for the first page only and the cursors carry its
    answer, so a deep page does not count a million rows again."""
    names = [f.lstrip("-") for f in order]
    nullable = _nullable(queryset, names)
    fingerprint = query_fingerprint(f"{key}\n{','.join(order)}")
    position: tuple[str, list[Any]] | None = None
    total: int | None = None
    if cursor:
        direction, raw_values, total = _decode_position(cursor, fingerprint)
        typed = _typed_values(queryset, names, raw_values)
        if typed is None:
            raise bad_cursor()
        position = (direction, typed)
    if position is None or position[0] == "a":
        page = queryset.order_by(*_ordering(order, nullable, forward=True))
        if position is not None:
            page = page.filter(_beyond(order, position[1], forward=True, nullable=nullable))
        rows = list(page[: per_page + 1])
        more = len(rows) > per_page
        rows = rows[:per_page]
        has_prev = position is not None
        has_next = more
    else:
        page = queryset.order_by(*_ordering(order, nullable, forward=False)).filter(
            _beyond(order, position[1], forward=False, nullable=nullable)
        )
        rows = list(page[: per_page + 1])
        has_prev = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        has_next = True
    if count is not None and total is None:
        # A first page that is the whole list needs no COUNT.
        total = len(rows) if position is None and not has_next else count()
    if not rows:
        return KeysetPage([], None, None, total)

    def values(row: Any) -> list[Any]:
        return [getattr(row, "pk" if n == "pk" else n) for n in names]

    return KeysetPage(
        items=rows,
        next_cursor=_encode_position("a", values(rows[-1]), fingerprint, total)
        if has_next
        else None,
        prev_cursor=_encode_position("b", values(rows[0]), fingerprint, total)
        if has_prev
        else None,
        total=total,
    )
