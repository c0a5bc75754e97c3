"""The export and data-log API's shapes. Every input declares its limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

from regulars.core.schemas import Id, IdList, InputSchema, storable_text
from regulars.jobs.schemas import JobOut
from regulars.transfer.models import DataLogEvent, ExportFormat, ExportScope, ExportStatus

ListQuery = Annotated[str, StringConstraints(max_length=2000), AfterValidator(storable_text)]
ColumnKey = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class ExportIn(InputSchema):
    scope: ExportScope = ExportScope.LIST
    format: ExportFormat = ExportFormat.CSV
    # The list's query string, as the customer list's URL carries it: q=…&category=…&sort=…
    query: ListQuery = ""
    view_id: Id | None = None
    selection_id: Id | None = None
    ids: IdList | None = None  # scope selection: these customers (instead of selection_id)
    # Column keys (GET /exports/columns); none: the view's, else your list's columns.
    columns: Annotated[list[ColumnKey], Field(max_length=200)] | None = None


class ExportColumnOut(Schema):
    key: str
    label: str
    kind: str


class ExportOut(Schema):
    id: int
    status: ExportStatus
    scope: ExportScope
    format: ExportFormat
    description: str
    columns: list[str]
    column_labels: list[str]
    row_count: int | None
    size: int | None
    sha256: str
    created_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    download_url: str | None  # the API's download, once ready
    link: str  # the page that downloads it for a staff login
    job: JobOut | None


class DataLogOut(Schema):
    id: int
    created_at: datetime
    event: DataLogEvent
    actor_label: str
    actor_user_id: int | None
    actor_api_key_id: int | None
    channel: str
    ip: str | None
    export_id: int | None
    description: str
    columns: list[str]
    format: str
    row_count: int | None
    sha256: str
    reason: str
