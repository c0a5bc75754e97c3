from __future__ import annotations

from ninja import Schema

from regulars.core.schemas import Flag, IdList, InputSchema, Text
from regulars.tenancy.models import Role


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    time_zone: str
    country: str
    currency: str
    sender_name: str
    reply_to: str


class OrganizationPatch(InputSchema):
    name: Text(200, 1) | None = None
    time_zone: Text(64, 1) | None = None
    country: Text(2, 2) | None = None
    currency: Text(3, 3) | None = None
    sender_name: Text(200) | None = None
    reply_to: Text(254) | None = None


class LocationOut(Schema):
    id: int
    name: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    time_zone: str


class LocationIn(InputSchema):
    name: Text(200, 1)
    address_line1: Text(200) = ""
    address_line2: Text(200) = ""
    city: Text(100) = ""
    postal_code: Text(20) = ""
    time_zone: Text(64) = ""


class LocationPatch(InputSchema):
    name: Text(200, 1) | None = None
    address_line1: Text(200) | None = None
    address_line2: Text(200) | None = None
    city: Text(100) | None = None
    postal_code: Text(20) | None = None
    time_zone: Text(64) | None = None


class StaffOut(Schema):
    id: int
    user_id: int
    email: str
    name: str
    role: Role
    all_locations: bool
    location_ids: list[int]
    is_active: bool

    @staticmethod
    def resolve_email(obj: object) -> str:
        return obj.user.email  # type: ignore[attr-defined]

    @staticmethod
    def resolve_name(obj: object) -> str:
        return obj.user.name  # type: ignore[attr-defined]

    @staticmethod
    def resolve_location_ids(obj: object) -> list[int]:
        return [loc.pk for loc in obj.locations.all()]  # type: ignore[attr-defined]


class StaffPatch(InputSchema):
    role: Role | None = None
    all_locations: Flag | None = None
    location_ids: IdList | None = None
    is_active: Flag | None = None
