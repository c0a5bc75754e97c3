from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from regulars.core.schemas import EmailText, Flag, IdList, InputSchema, Required100
from regulars.tenancy.models import Role


class MeOut(Schema):
    user_id: int | None
    email: str | None
    name: str | None
    organization_id: int
    organization_slug: str
    role: Role
    channel: str
    capabilities: list[str]


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    all_locations: bool
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationIn(InputSchema):
    email: EmailText = Field(..., json_schema_extra={"format": "email"})
    role: Role = Role.STAFF
    all_locations: Flag = True
    location_ids: IdList = []


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str


class ApiKeyIn(InputSchema):
    name: Required100
    role: Role = Role.READONLY
