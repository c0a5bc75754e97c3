from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

from regulars.core.schemas import (
    CountryCode,
    CurrencyCode,
    Flag,
    IdList,
    InputSchema,
    Required64,
    Required200,
    Text20,
    Text64,
    Text100,
    Text200,
    Text254,
    storable_text,
)
from regulars.tenancy.models import ACCOUNT_PREFIX_RE, Role, StaffMembership

AccountPrefix = Annotated[
    str, StringConstraints(max_length=10, pattern=ACCOUNT_PREFIX_RE), AfterValidator(storable_text)
]


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    time_zone: str
    country: str
    currency: str
    sender_name: str
    reply_to: str
    account_prefix: str
    require_gender_dob: bool
    export_link_hours: int


class OrganizationPatch(InputSchema):
    name: Required200 | None = None
    time_zone: Required64 | None = None
    country: CountryCode | None = None
    currency: CurrencyCode | None = None
    sender_name: Text200 | None = None
    reply_to: Text254 | None = None
    account_prefix: AccountPrefix | None = None
    require_gender_dob: Flag | None = None
    export_link_hours: Annotated[int, Field(ge=1, le=720)] | None = None


class LocationOut(Schema):
    id: int
    name: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    time_zone: str


class LocationIn(InputSchema):
    name: Required200
    address_line1: Text200 = ""
    address_line2: Text200 = ""
    city: Text100 = ""
    postal_code: Text20 = ""
    time_zone: Text64 = ""


class LocationPatch(InputSchema):
    name: Required200 | None = None
    address_line1: Text200 | None = None
    address_line2: Text200 | None = None
    city: Text100 | None = None
    postal_code: Text20 | None = None
    time_zone: Text64 | None = None


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
    def resolve_email(obj: StaffMembership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: StaffMembership) -> str:
        return obj.user.name

    @staticmethod
    def resolve_location_ids(obj: StaffMembership) -> list[int]:
        return [loc.pk for loc in obj.locations.all()]


class StaffPatch(InputSchema):
    role: Role | None = None
    all_locations: Flag | None = None
    location_ids: IdList | None = None
    is_active: Flag | None = None
