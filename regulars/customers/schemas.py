from __future__ import annotations

from datetime import datetime

from ninja import Schema

from regulars.core.schemas import Text


class CustomerOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    all_locations: bool
    created_at: datetime
    updated_at: datetime


class CustomerIn(Schema):
    first_name: Text(100) = ""
    last_name: Text(100) = ""
    email: Text(254) = ""


class CustomerPatch(Schema):
    first_name: Text(100) | None = None
    last_name: Text(100) | None = None
    email: Text(254) | None = None
