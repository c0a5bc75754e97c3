"""Input and output schemas of /api/v1/custom-fields (and the values' type for customers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field, Strict, StringConstraints

from regulars.core.schemas import Flag, InputSchema, Required100, storable_text
from regulars.customers.custom_fields import HELP_MAX, KEY_MAX, OPTIONS_MAX, POSITION_MAX
from regulars.customers.models import CustomFieldType

# Checked again by the service (which names the field); declared here for the document.
Key = Annotated[
    str, StringConstraints(min_length=1, max_length=KEY_MAX), AfterValidator(storable_text)
]
HelpText = Annotated[str, StringConstraints(max_length=HELP_MAX), AfterValidator(storable_text)]
OptionLabels = Annotated[list[Required100], Field(max_length=OPTIONS_MAX)]
Position = Annotated[int, Strict(), Field(ge=0, le=POSITION_MAX)]

# A customer's values by field key, for the lead's CustomerIn/CustomerPatch: text, a number
# (JSON number or numeric string), an ISO date, true/false, an option id or label, or a list
# of them for a "several" field; null clears. The service checks each against its field.
ValueText = Annotated[str, StringConstraints(max_length=1000), AfterValidator(storable_text)]
StrictInt = Annotated[int, Strict()]
CustomValue = (
    Flag
    | StrictInt
    | Annotated[float, Strict()]
    | ValueText
    | Annotated[list[StrictInt | ValueText], Field(max_length=500)]
    | None
)
CustomValues = Annotated[dict[Key, CustomValue], Field(max_length=200)]


class CustomFieldOptionOut(Schema):
    id: int
    label: str


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    help_text: str
    field_type: CustomFieldType
    required: bool
    visible_to_customer: bool
    position: int
    options: list[CustomFieldOptionOut]
    created_at: datetime


class CustomFieldIn(InputSchema):
    key: Key | None = Field(None, description="Made from the label when left out.")
    label: Required100
    help_text: HelpText = ""
    field_type: CustomFieldType
    required: Flag = False
    visible_to_customer: Flag = False
    position: Position | None = Field(None, description="Left out: after the other fields.")
    options: OptionLabels = Field([], description="Labels, for `choice` and `multi` fields.")


class CustomFieldPatch(InputSchema):
    key: Key | None = Field(None, description="Cannot change; only the current key is accepted.")
    label: Required100 | None = None
    help_text: HelpText | None = None
    field_type: CustomFieldType | None = Field(
        None, description="Cannot change; only the current type is accepted."
    )
    required: Flag | None = None
    visible_to_customer: Flag | None = None
    position: Position | None = None
    options: OptionLabels | None = Field(
        None,
        description=(
            "The complete list of labels: unchanged labels keep their option id, missing "
            "ones are deleted with the values that chose them."
        ),
    )
