"""API schemas of the history (/api/v1/services, /visits, /orders, /invoices, /payments).

Money goes in as a string ("42.50") or a whole number (42), never a float, and comes out as
a string with two decimals. Dates are `YYYY-MM-DD`; times ISO 8601 (without a zone: the
organization's local time). The services check every rule again and name the field; the
limits here document the API and keep the fuzzer's input at the edge.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    WithJsonSchema,
)

from regulars.core.schemas import (
    Day,
    Flag,
    Id,
    InputSchema,
    Text64,
    Text100,
    Text200,
    Text254,
    storable_text,
)
from regulars.history.models import (
    NOTE_MAX,
    Invoice,
    Order,
    OrderLine,
    Visit,
)

# Digits before the point. The columns hold ten (Decimal(12,2)), but a customer's kept
# figures add amounts up in columns of the same size: the API takes up to 99,999,999.99.
MONEY_DIGITS = 8
CENT = Decimal("0.01")
_MONEY_TEXT = rf"^-?\d{{1,{MONEY_DIGITS}}}(\.\d{{1,2}})?$"
_QUANTITY_TEXT = r"^-?\d{1,7}(\.\d{1,3})?$"
_MONEY_INT = 10**MONEY_DIGITS - 1
_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _decimal(
    value: Any, *, pattern: str, digits: int, places: int, negative: bool, what: str
) -> Decimal:
    rule = f"{digits} digits before the point and {places} decimals at most"
    if isinstance(value, bool | float):
        raise ValueError(f'send the {what} as a string ("42.50") or a whole number, not a float')
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str) and re.match(pattern, value.strip()):
        number = Decimal(value.strip())  # the pattern admits only plain decimals
    else:
        raise ValueError(f'must be a plain number as a string, e.g. "42.50" ({rule})')
    if abs(number) >= 10**digits:
        raise ValueError(f"the {what} is too large ({rule})")
    if number < 0 and not negative:
        raise ValueError("must not be negative")
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise ValueError(f"at most {places} decimals")
    return number.quantize(quantum)


def _money(value: Any) -> Decimal:
    return _decimal(
        value, pattern=_MONEY_TEXT, digits=MONEY_DIGITS, places=2, negative=False, what="amount"
    )


def _signed_money(value: Any) -> Decimal:
    return _decimal(
        value, pattern=_MONEY_TEXT, digits=MONEY_DIGITS, places=2, negative=True, what="amount"
    )


def _quantity(value: Any) -> Decimal:
    return _decimal(
        value, pattern=_QUANTITY_TEXT, digits=7, places=3, negative=True, what="quantity"
    )


def _money_schema(*, negative: bool) -> dict[str, Any]:
    pattern = _MONEY_TEXT if negative else _MONEY_TEXT.replace("^-?", "^")
    return {
        "anyOf": [
            {"type": "string", "pattern": pattern, "maxLength": MONEY_DIGITS + 4},
            {"type": "integer", "minimum": -_MONEY_INT if negative else 0, "maximum": _MONEY_INT},
        ],
        "description": 'An amount: a string with at most two decimals ("42.50") or a whole '
        "number; never a float.",
    }


# Inputs: a string or a whole number, parsed to a Decimal with two places (three for
# quantities); floats are refused (0.1 + 0.2 is not money).
Money = Annotated[Decimal, PlainValidator(_money), WithJsonSchema(_money_schema(negative=False))]
SignedMoney = Annotated[
    Decimal, PlainValidator(_signed_money), WithJsonSchema(_money_schema(negative=True))
]
Quantity = Annotated[
    Decimal,
    PlainValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _QUANTITY_TEXT, "maxLength": 12},
                {"type": "integer", "minimum": -9_999_999, "maximum": 9_999_999},
            ],
            "description": 'A quantity other than 0: "2", "0.5" (at most three decimals) or '
            "a whole number; default 1.",
        }
    ),
]


def _moment_text(value: Any) -> Any:
    """ISO 8601 date and time; without a zone it is the organization's local time."""
    if not isinstance(value, str) or not _MOMENT.match(value):
        raise ValueError("must be a date and time as YYYY-MM-DDTHH:MM[:SS][zone]")
    return value


Moment = Annotated[datetime, BeforeValidator(_moment_text)]
Text32 = Annotated[str, StringConstraints(max_length=32), AfterValidator(storable_text)]
Text40 = Annotated[str, StringConstraints(max_length=40), AfterValidator(storable_text)]
Text500 = Annotated[str, StringConstraints(max_length=500), AfterValidator(storable_text)]
NoteText = Annotated[str, StringConstraints(max_length=NOTE_MAX), AfterValidator(storable_text)]
ServiceName = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(storable_text)
]
Minutes = Annotated[int, Strict(), Field(ge=1, le=24 * 60)]
ServiceIds = Annotated[list[Id], Field(max_length=50)]
EventSource = Literal["appointment", "online", "pos", "api"]
VisitStatusIn = Literal["booked", "arrived", "completed", "no_show", "cancelled"]
MethodIn = Literal["cash", "card", "transfer", "voucher", "account", "other"]


def _money_text(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def _decimal_text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# Outputs: money as a string with two decimals ("42.50").
MoneyOut = Annotated[
    str, BeforeValidator(_money_text), WithJsonSchema({"type": "string", "example": "42.50"})
]
DecimalOut = Annotated[str, BeforeValidator(_decimal_text), WithJsonSchema({"type": "string"})]


# --- Customer reference ---------------------------------------------------------------------


class CustomerRefIn(InputSchema):
    """The customer of an event, by the keys a till or booking system knows. Found with the
    customers' matching (email, phone, account number, card, external id); nobody found:
    created from these fields; several found: 409 `ambiguous_customer` with `candidates`."""

    email: Text254 | None = None
    phone: (
        Annotated[str, StringConstraints(max_length=40), AfterValidator(storable_text)] | None
    ) = None
    loyalty_card: Text64 | None = None
    external_id: Text100 | None = None
    account_number: Text32 | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    company: Text200 | None = None


class _EventCustomer(InputSchema):
    customer_id: Id | None = Field(None, description="The customer, by id; or send `customer`.")
    customer: CustomerRefIn | None = None
    source: EventSource | None = Field(
        None,
        description="The source of a customer created from this event (default: appointment "
        "for visits, pos for orders, api for invoices).",
    )


# --- Services catalogue ---------------------------------------------------------------------


class ServiceOut(Schema):
    id: int
    name: str
    duration_minutes: int | None
    price: MoneyOut | None
    active: bool
    created_at: datetime


class ServiceIn(InputSchema):
    name: ServiceName
    duration_minutes: Minutes | None = None
    price: Money | None = None
    active: Flag | None = None


class ServicePatch(InputSchema):
    """Only the fields sent change; `null` clears duration and price."""

    name: ServiceName | None = None
    duration_minutes: Minutes | None = None
    price: Money | None = None
    active: Flag | None = None


# --- Visits ---------------------------------------------------------------------------------


class ServiceRefOut(Schema):
    id: int
    name: str


class VisitOut(Schema):
    id: int
    customer_id: int
    starts_at: datetime
    local_day: date
    location_id: int | None
    staff_id: int | None
    staff_label: str
    services: list[ServiceRefOut]
    amount: MoneyOut
    discount: MoneyOut
    net: MoneyOut
    status: str
    note: str
    created_at: datetime
    updated_at: datetime
    customer_created: bool = Field(
        default=False, description="True only on the answer to the POST that created the customer."
    )

    @staticmethod
    def resolve_services(obj: Visit) -> list[dict[str, Any]]:
        return [{"id": s.pk, "name": s.name} for s in obj.services.all()]

    @staticmethod
    def resolve_customer_created(obj: Visit) -> bool:
        return bool(getattr(obj, "customer_created", False))


class VisitIn(_EventCustomer):
    starts_at: Moment
    location_id: Id | None = None
    staff_id: Id | None = None
    service_ids: ServiceIds | None = None
    amount: Money | None = None
    discount: Money | None = None
    status: VisitStatusIn | None = Field(
        None, description="Default: completed, or booked for a later day."
    )
    note: NoteText | None = None


class VisitPatch(InputSchema):
    """Only the fields sent change; `service_ids` replaces the services."""

    starts_at: Moment | None = None
    location_id: Id | None = None
    staff_id: Id | None = None
    service_ids: ServiceIds | None = None
    amount: Money | None = None
    discount: Money | None = None
    status: VisitStatusIn | None = None
    note: NoteText | None = None


# --- Orders ---------------------------------------------------------------------------------


class OrderLineOut(Schema):
    id: int
    position: int
    description: str
    service_id: int | None
    quantity: DecimalOut
    unit_price: MoneyOut
    amount: MoneyOut


class OrderOut(Schema):
    id: int
    customer_id: int
    number: str
    ordered_at: datetime
    local_day: date
    location_id: int | None
    subtotal: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    payment_method: str
    refund_of_id: int | None
    note: str
    lines: list[OrderLineOut]
    created_at: datetime
    updated_at: datetime
    customer_created: bool = Field(
        default=False, description="True only on the answer to the POST that created the customer."
    )

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_customer_created(obj: Order) -> bool:
        return bool(getattr(obj, "customer_created", False))


class OrderLineIn(InputSchema):
    description: Text200 | None = Field(None, description="Default: the service's name.")
    service_id: Id | None = None
    quantity: Quantity | None = None
    unit_price: SignedMoney | None = Field(None, description="Default: the service's price.")


class OrderIn(_EventCustomer):
    """`lines`, or a plain `amount`; a negative amount is a refund (of `refund_of_id`)."""

    number: Text40 | None = Field(None, description="Default: a generated number.")
    ordered_at: Moment
    location_id: Id | None = None
    lines: Annotated[list[OrderLineIn], Field(max_length=200)] | None = None
    amount: SignedMoney | None = None
    discount: Money | None = None
    payment_method: MethodIn | Literal[""] | None = None
    refund_of_id: Id | None = None
    note: NoteText | None = None


class OrderPatch(InputSchema):
    """Only the fields sent change; `lines` replaces every line."""

    number: Text40 | None = None
    ordered_at: Moment | None = None
    location_id: Id | None = None
    lines: Annotated[list[OrderLineIn], Field(max_length=200)] | None = None
    amount: SignedMoney | None = None
    discount: Money | None = None
    payment_method: MethodIn | Literal[""] | None = None
    refund_of_id: Id | None = None
    note: NoteText | None = None


# --- Invoices and payments ------------------------------------------------------------------


class InvoiceOut(Schema):
    id: int
    customer_id: int
    number: str
    issued_on: date
    due_on: date
    amount: MoneyOut
    paid_amount: MoneyOut
    balance: MoneyOut
    paid_on: date | None
    written_off_on: date | None
    status: Literal["open", "part_paid", "paid", "overdue", "written_off"] = Field(
        description="Derived with the organization's today."
    )
    location_id: int | None
    note: str
    created_at: datetime
    updated_at: datetime
    customer_created: bool = Field(
        default=False, description="True only on the answer to the POST that created the customer."
    )

    @staticmethod
    def resolve_status(obj: Invoice, context: Any = None) -> str:
        from regulars.history.figures import org_today

        request = (context or {}).get("request")
        actor = getattr(request, "auth", None) or getattr(request, "actor", None)
        org = getattr(actor, "org", None) or obj.organization
        return str(obj.status_on(org_today(org)))

    @staticmethod
    def resolve_customer_created(obj: Invoice) -> bool:
        return bool(getattr(obj, "customer_created", False))


class InvoiceIn(_EventCustomer):
    number: Text40 | None = Field(None, description="Default: a generated number.")
    issued_on: Day
    due_on: Day
    amount: Money
    written_off: Flag | None = None
    location_id: Id | None = None
    note: NoteText | None = None


class InvoicePatch(InputSchema):
    """Only the fields sent change; `written_off: true` writes it off today, false undoes it."""

    number: Text40 | None = None
    issued_on: Day | None = None
    due_on: Day | None = None
    amount: Money | None = None
    written_off: Flag | None = None
    location_id: Id | None = None
    note: NoteText | None = None


class PaymentOut(Schema):
    id: int
    invoice_id: int
    customer_id: int
    paid_on: date
    amount: MoneyOut
    method: str
    note: str
    created_at: datetime
    updated_at: datetime


class PaymentIn(InputSchema):
    invoice_id: Id
    paid_on: Day
    amount: Money
    method: MethodIn | None = Field(None, description="Default: card.")
    note: Text500 | None = None


class PaymentPatch(InputSchema):
    paid_on: Day | None = None
    amount: Money | None = None
    method: MethodIn | None = None
    note: Text500 | None = None
