from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from regulars.core.schemas import Flag, IdList, InputSchema, Required100, Text64
from regulars.jobs.schemas import JobOut

ActionName = Literal[
    "add_category", "remove_category", "set_field", "deactivate", "reactivate", "delete"
]


class BulkIn(InputSchema):
    """Either `ids`, or `filter`: the list's query string (`q`, `status`, and later every
    filter) whose matches are snapshotted now."""

    action: ActionName
    ids: IdList | None = None
    filter: str | None = Field(None, max_length=2000)
    category_id: int | None = Field(None, ge=1, le=2**53)
    new_category: dict[str, Any] | None = Field(
        None, description="{name, colour}: a category made on the spot (categories.manage)."
    )
    field: Text64 | None = None
    value: Any = None
    confirm: Text64 | None = Field(None, description='"DELETE" to delete.')


class TallyOut(Schema):
    matched: int
    changed: int
    unchanged: int
    skipped: int


class BulkOut(Schema):
    action: str
    selection_id: int
    count: int
    description: str
    result: TallyOut | None
    job: JobOut | None


class SavedViewOut(Schema):
    id: int
    name: str
    query: str
    columns: list[str]
    shared: bool
    owner_id: int
    created_at: datetime
    updated_at: datetime


Columns = Annotated[list[Text64], Field(max_length=60)]


class SavedViewIn(InputSchema):
    name: Required100
    query: str = Field("", max_length=2000, description="The list's query string.")
    columns: Columns = Field(default_factory=list)
    shared: Flag = False


class SavedViewPatch(InputSchema):
    name: Required100 | None = None
    query: str | None = Field(None, max_length=2000)
    columns: Columns | None = None
    shared: Flag | None = None


class ColumnSettingOut(Schema):
    columns: list[str]
    locked: int


class ColumnSettingIn(InputSchema):
    columns: Columns
    locked: int = Field(1, ge=0, le=5, strict=True)
