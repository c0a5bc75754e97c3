"""The import API's shapes. Every input declares its limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from regulars.core.schemas import Flag, InputSchema, Required100, Text100
from regulars.jobs.schemas import JobOut
from regulars.transfer.models import ImportMode, ImportStatus, RowOutcome

Target = Annotated[str, Field(min_length=1, max_length=120)]
MatchKey = Annotated[str, Field(min_length=1, max_length=20)]


class ColumnMapIn(InputSchema):
    target: Target
    type_column: Annotated[int, Field(ge=0, le=100_000)] | None = None


class ImportOptions(InputSchema):
    fresh_consent: Flag = False
    blank_clears: Flag = False
    create_categories: Flag = False


class ImportPatch(InputSchema):
    mapping: Annotated[list[ColumnMapIn], Field(max_length=500)] | None = None
    mode: ImportMode | None = None
    match_keys: Annotated[list[MatchKey], Field(max_length=5)] | None = None
    options: ImportOptions | None = None


class MappingSaveIn(InputSchema):
    name: Required100


class ColumnMapOut(Schema):
    header: str
    target: str
    type_column: int | None


class ImportOut(Schema):
    id: int
    original_name: str
    size: int
    format: str
    encoding: str
    sheet: str
    sheets: list[str]
    system: str
    status: ImportStatus
    mode: ImportMode
    match_keys: list[str]
    options: dict[str, bool]
    columns: list[ColumnMapOut]
    review: dict[str, Any]
    counts: dict[str, int]
    undo_report: dict[str, Any]
    undo_until: datetime | None
    created_by: str
    created_at: datetime
    imported_at: datetime | None
    undone_at: datetime | None
    job: JobOut | None


class ImportRowOut(Schema):
    number: int
    outcome: RowOutcome
    customer_id: int | None
    errors: list[dict[str, str]]


class SavedMappingOut(Schema):
    id: int
    name: Text100
    headers: list[str]
    created_at: datetime
