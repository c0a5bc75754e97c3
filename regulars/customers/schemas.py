from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, StringConstraints

from regulars.core.schemas import (
    Flag,
    IdList,
    InputSchema,
    Page,
    Required100,
    Text100,
    Text200,
    Text254,
    storable_text,
)
from regulars.customers.models import (
    DEFAULT_COLOUR,
    NOTE_TEXT_MAX,
    ConsentChannel,
    ConsentSource,
    ConsentState,
    Customer,
)


class CustomerOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    all_locations: bool
    category_ids: list[int]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_category_ids(obj: Customer) -> list[int]:
        return [c.pk for c in obj.categories.all()]


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


# Checked again by the service (which names `colour`); declared here for the OpenAPI document.
Colour = Annotated[
    str, StringConstraints(min_length=7, max_length=7), AfterValidator(storable_text)
]
Text500 = Annotated[str, StringConstraints(max_length=500), AfterValidator(storable_text)]


class CategoryOut(Schema):
    id: int
    name: str
    colour: str
    description: str
    created_at: datetime


class CategoryIn(InputSchema):
    name: Required100
    colour: Colour = DEFAULT_COLOUR
    description: Text500 = ""


class CategoryPatch(InputSchema):
    name: Required100 | None = None
    colour: Colour | None = None
    description: Text500 | None = None


class CustomerCategoriesIn(InputSchema):
    category_ids: IdList


# Checked again by the service (which trims and names `text`); declared for the document.
NoteText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=NOTE_TEXT_MAX),
    AfterValidator(storable_text),
]


class NoteOut(Schema):
    id: int
    customer_id: int
    text: str
    author_id: int | None
    author_label: str
    created_at: datetime
    updated_at: datetime


class NoteIn(InputSchema):
    text: NoteText


class NotePatch(InputSchema):
    text: NoteText | None = None
