from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from regulars.core.schemas import (
    Flag,
    IdList,
    InputSchema,
    Page,
    Required100,
    Text20,
    Text64,
    Text100,
    Text200,
    Text254,
    storable_text,
)
from regulars.customers.custom_field_schemas import CustomValues
from regulars.customers.custom_fields import custom_values_for
from regulars.customers.matching import Outcome
from regulars.customers.models import (
    DEFAULT_COLOUR,
    NOTE_TEXT_MAX,
    ConsentChannel,
    ConsentSource,
    ConsentState,
    Customer,
    CustomerSource,
    CustomerStatus,
)


class DeletedCustomerOut(Schema):
    id: int
    display_name: str
    account_number: str
    deleted_at: datetime | None


CLEARABLE = ("date_of_birth", "discount_percent")
GenderIn = Literal["", "female", "male", "another", "undisclosed"]
SourceIn = Literal["manual", "import", "appointment", "online", "pos", "portal", "api"]
# As typed: the service reads it in the organization's country and stores E.164.
PhoneIn = Annotated[str, StringConstraints(max_length=40), AfterValidator(storable_text)]
Text32 = Annotated[str, StringConstraints(max_length=32), AfterValidator(storable_text)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


def _fixed(places: int) -> BeforeValidator:
    def text(value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return f"{Decimal(value):.{places}f}"
        return value

    return BeforeValidator(text)


# Kept figures: decimals as strings with fixed places ("42.50"), as the history API sends them.
MoneyText = Annotated[str, _fixed(2)]


class CustomerFiguresOut(Schema):
    """Figures kept from the customer's history (visits, orders, invoices), updated with
    every history write; the 30/90/365-day windows and "overdue" as of `figures_on`."""

    total_spent: MoneyText
    visit_count: int
    first_visit: date | None
    last_visit: date | None
    avg_ticket: MoneyText | None
    avg_interval_days: Annotated[str, _fixed(1)] | None = Field(description='Days: "45.0".')
    next_visit_due: date | None
    lapses_on: date | None
    outstanding_balance: MoneyText
    oldest_overdue_on: date | None
    late_paid_share: Annotated[str, _fixed(4)] | None = Field(
        description='Share of paid invoices paid after their due date: "0.2500".'
    )
    spent_30: MoneyText
    spent_90: MoneyText
    spent_365: MoneyText
    visits_30: int
    visits_90: int
    visits_365: int
    figures_on: date | None


class CustomerOut(Schema):
    id: int
    account_number: str
    first_name: str
    last_name: str
    company: str
    display_name: str
    email: str
    email_invalid_at: datetime | None
    email_invalid_reason: str
    phone_mobile: str
    phone_home: str
    phone_work: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    date_of_birth: date | None
    gender: str
    loyalty_card: str
    external_id: str
    status: CustomerStatus
    source: CustomerSource
    discount_percent: Decimal | None
    all_locations: bool
    location_ids: list[int]
    category_ids: list[int]
    email_consent: ConsentState
    sms_consent: ConsentState
    email_blocked: bool
    sms_blocked: bool
    custom_fields: dict[str, Any] = Field(
        description="Custom field values by key (numbers as strings, dates ISO, choices "
        "as labels, several-of-a-list as a list of labels; unset: null or [])."
    )
    figures: CustomerFiguresOut = Field(description="Read-only: kept from the history.")
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_figures(obj: Customer) -> Customer:
        return obj  # the figures are columns of the customer row: no query

    @staticmethod
    def resolve_custom_fields(obj: Customer) -> dict[str, Any]:
        cached = getattr(obj, "custom_values_shaped", None)
        if cached is None:
            cached = custom_values_for(customer_ids=[obj.pk])[obj.pk]
        return dict(cached)

    @staticmethod
    def resolve_category_ids(obj: Customer) -> list[int]:
        loaded = getattr(obj, "category_id_list", None)  # a list page loads them at once
        return list(loaded) if loaded is not None else [c.pk for c in obj.categories.all()]

    @staticmethod
    def resolve_location_ids(obj: Customer) -> list[int]:
        if obj.all_locations:
            return []
        loaded = getattr(obj, "location_id_list", None)
        return list(loaded) if loaded is not None else [loc.pk for loc in obj.locations.all()]


class _CustomerFields(InputSchema):
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    company: Text200 | None = None
    email: Text254 | None = None
    phone_mobile: PhoneIn | None = None
    phone_home: PhoneIn | None = None
    phone_work: PhoneIn | None = None
    address_line1: Text200 | None = None
    address_line2: Text200 | None = None
    city: Text100 | None = None
    region: Text100 | None = None
    postal_code: Text20 | None = None
    country: Annotated[str, StringConstraints(max_length=2)] | None = None
    date_of_birth: date | None = Field(None, description='"" clears it.')
    gender: GenderIn | None = None
    account_number: Text32 | None = None
    loyalty_card: Text64 | None = None
    external_id: Text100 | None = None
    discount_percent: Percent | None = Field(None, description='"" clears it.')
    all_locations: Flag | None = None
    location_ids: IdList | None = None
    custom_fields: CustomValues | None = Field(
        None, description='Values by custom field key; null, "" or [] clears one.'
    )
    # Fields sent as "" that have no empty value of their type (a date, a number): cleared.
    cleared: SkipJsonSchema[list[str]] = Field(default_factory=list, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_clears(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "cleared"}
            cleared = [k for k in CLEARABLE if data.get(k) == ""]
            if cleared:
                data = {k: v for k, v in data.items() if k not in cleared}
                data["cleared"] = cleared
        return data


class CustomerIn(_CustomerFields):
    """A new customer: a first name, last name or company is required. Without
    `account_number` the next number of the organization's sequence is given."""

    source: SourceIn = "api"


class CustomerPatch(_CustomerFields):
    """Only the fields sent change; `null` leaves a field as it is, "" clears it."""

    version: int | None = Field(
        None, description="The version you edited; or send it as the If-Match header."
    )


class CustomerLookupOut(Schema):
    outcome: Outcome
    customer_id: int | None
    candidate_ids: list[int]
    deleted: list[DeletedCustomerOut]


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
