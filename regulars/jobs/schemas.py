from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from regulars.core.schemas import InputSchema
from regulars.jobs.models import JobStatus


class JobOut(Schema):
    id: int
    kind: str
    label: str
    status: JobStatus
    progress_done: int
    progress_total: int | None
    percent: int | None
    message: str
    result: dict[str, Any]
    cancel_requested: bool
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


SAMPLE_MAX = 100_000
"""The most sample customers one job adds: the one limit for the API, the page and the CLI.

It lives here, not in `customers`, because `jobs` sits below `customers` in the layers.
"""


class SampleParams(InputSchema):
    count: int = Field(100, ge=1, le=SAMPLE_MAX, strict=True)


class JobIn(InputSchema):
    kind: Literal["customers.sample"]
    params: SampleParams = Field(default_factory=lambda: SampleParams(count=100))
