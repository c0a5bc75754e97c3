from __future__ import annotations

from datetime import datetime

from ninja import Schema

from regulars.core.schemas import InputSchema, Text100, Text254


class CustomerOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    all_locations: bool
    created_at: datetime
    updated_at: datetime


class CustomerIn(InputSchema):
    first_name: Text100 = ""
    last_name: Text100 = ""
    email: Text254 = ""


class CustomerPatch(InputSchema):
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    email: Text254 | None = None
