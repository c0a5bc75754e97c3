"""Shared API pieces: bounded text types, the error body and cursor pagination.

Every input field declares its limits (so the API fuzzer finds boundary bugs), and text
that no database can store (NUL, lone surrogates) is refused at the edge with a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

from regulars.core.errors import DomainError

MAX_ID = 2**53 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def storable_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802  (reads like a type)
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(storable_text),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldErrorOut] = []


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None
    count: int


def _encode(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError.for_field(
            "cursor", "This cursor is not valid; start again without it."
        ) from exc
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise DomainError.for_field("cursor", "This cursor is not valid; start again without it.")
    return after


def cursor_page(queryset: QuerySet[Any], *, cursor: str | None, limit: int) -> dict[str, Any]:
    """Keyset pagination on the primary key: stable under inserts, cheap at any depth."""
    count = queryset.count()
    page = queryset.order_by("pk")
    if cursor:
        page = page.filter(pk__gt=_decode(cursor))
    rows: list[Model] = list(page[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": rows,
        "next_cursor": _encode(int(rows[-1].pk)) if more and rows else None,
        "count": count,
    }
