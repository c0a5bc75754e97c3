"""Shared API pieces: bounded text types, the error body and cursor pagination.

Every input field declares its limits (so the API fuzzer finds boundary bugs), and text
that no database can store (NUL, lone surrogates) is refused at the edge with a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic.functional_validators import ModelWrapValidatorHandler

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


# Bounded text types, named by their limit (`Required…` must not be empty). Spelled out as
# aliases so type checkers see plain `str`.
Text20 = Annotated[str, StringConstraints(max_length=20), AfterValidator(storable_text)]
Text64 = Annotated[str, StringConstraints(max_length=64), AfterValidator(storable_text)]
Text100 = Annotated[str, StringConstraints(max_length=100), AfterValidator(storable_text)]
Text200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(storable_text)]
Text254 = Annotated[str, StringConstraints(max_length=254), AfterValidator(storable_text)]
Required64 = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(storable_text)
]
Required100 = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(storable_text)
]
Required200 = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(storable_text)
]
EmailText = Annotated[
    str, StringConstraints(min_length=3, max_length=254), AfterValidator(storable_text)
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]


# Query and path parameters.
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]

# Bodies are JSON, so their ids and flags are typed strictly: `true` is not 1, `0` is not false.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
IdList = Annotated[list[Id], Field(max_length=MAX_LIMIT)]
Flag = Annotated[bool, Strict()]


class InputSchema(Schema):
    """Base of every request body: a JSON object, validated as plain data.

    ninja's Schema wraps any value in a getter that reads attributes (to build outputs from
    models), so a body of `[]`, `5` or `"x"` would pass as an object with every field unset.
    Inputs override that validator (same name) and accept only objects.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, dict | BaseModel):
            raise ValueError("must be a JSON object")
        return handler(values)


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldErrorOut] = []
    current_version: int | None = Field(
        None, description="On a version_conflict: the record's version now."
    )
    candidates: list[int] | None = Field(
        None, description="On an ambiguous_customer: the ids of the customers the keys match."
    )


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


def cursor_page(
    queryset: QuerySet[Any], *, cursor: str | None, limit: int, newest_first: bool = False
) -> dict[str, Any]:
    """Keyset pagination on the primary key: stable under inserts, cheap at any depth.

    `newest_first` walks the keys downwards (logs shown latest first)."""
    count = queryset.count()
    page = queryset.order_by("-pk" if newest_first else "pk")
    if cursor:
        after = _decode(cursor)
        page = page.filter(pk__lt=after) if newest_first else page.filter(pk__gt=after)
    rows: list[Model] = list(page[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": rows,
        "next_cursor": _encode(int(rows[-1].pk)) if more and rows else None,
        "count": count,
    }


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_text(value: Any) -> Any:
    """Only `YYYY-MM-DD`: pydantic would also take a number (seconds since 1970)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_date_text)]
