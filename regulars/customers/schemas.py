from __future__ import annotations

from datetime import datetime

from ninja import Schema

from regulars.core.schemas import Flag, InputSchema, Page, Text100, Text200, Text254
from regulars.customers.models import ConsentChannel, ConsentSource, ConsentState


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


class ChannelConsentOut(Schema):
    state: ConsentState
    blocked: bool


class ConsentEventOut(Schema):
    id: int
    channel: ConsentChannel
    state: ConsentState
    blocked: bool
    source: ConsentSource
    detail: str
    actor_label: str
    ip: str | None
    created_at: datetime


class ConsentOut(Schema):
    email: ChannelConsentOut
    sms: ChannelConsentOut
    history: Page[ConsentEventOut]


class ConsentIn(InputSchema):
    channel: ConsentChannel
    state: ConsentState
    detail: Text200 = ""
    blocked: Flag | None = None
