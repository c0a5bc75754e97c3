"""The column registry: every column the customer list can show or an export can write.

A column has a key (the `sort` and `columns` parameters use it), a label, a value for
display and export, and, when sortable, the model fields it sorts by and the index that
serves that sort with (organization, …) leading. Sorting is stable (ties by id) with NULLs
last in both directions (core.paging.keyset_page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from regulars.core.errors import DomainError
from regulars.customers import cells
from regulars.customers.cells import Cell
from regulars.customers.filters.base import local_today
from regulars.customers.filters.dates import years_before
from regulars.customers.models import (
    ConsentState,
    Customer,
    CustomerSource,
    CustomerStatus,
    CustomField,
    CustomFieldType,
    Gender,
)
from regulars.tenancy.scope import require_org


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Customer], str]
    sort: tuple[str, ...] | None = None  # model fields, ascending ('-f' descending); id ends it
    index: str | None = None  # the (organization, …) index that answers the sort
    cell: Cell | None = None  # how an export reads it (customers.cells)

    @property
    def sortable(self) -> bool:
        return self.sort is not None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field(name: str) -> Callable[[Customer], str]:
    return lambda c: _text(getattr(c, name))


def _choice(name: str) -> Callable[[Customer], str]:
    return lambda c: str(getattr(c, f"get_{name}_display")())


def _age(customer: Customer) -> str:
    dob = customer.date_of_birth
    if dob is None:
        return ""
    # The scope's organization is the customer's (the manager saw to it); no query a row.
    today = local_today(require_org())
    years = today.year - dob.year
    return str(years if years_before(today, years) >= dob else years - 1)


def _categories(customer: Customer) -> str:
    return ", ".join(c.name for c in customer.categories.all())


COLUMNS: dict[str, Column] = {}


def register(column: Column) -> Column:
    if column.key in COLUMNS:
        raise ValueError(f"Column {column.key!r} is registered twice.")
    COLUMNS[column.key] = column
    return column


_F = _field
for _column in (
    Column("name", "Name", lambda c: c.display_name, ("last_name", "first_name"), "customer_org_name_idx", cell=cells.NAME),
    Column("first_name", "First name", _F("first_name"), ("first_name",), "customer_org_first_idx", cell=cells.text("first_name")),
    Column("last_name", "Last name", _F("last_name"), ("last_name", "first_name"), "customer_org_name_idx", cell=cells.text("last_name")),
    Column("company", "Company", _F("company"), ("company",), "customer_org_company_idx", cell=cells.text("company")),
    Column("account_number", "Account", _F("account_number"), ("account_number",), "customer_unique_account", cell=cells.text("account_number")),
    Column("loyalty_card", "Loyalty card", _F("loyalty_card"), ("loyalty_card",), "customer_org_card_idx", cell=cells.text("loyalty_card")),
    Column("email", "Email", _F("email"), ("email",), "customer_org_email_idx", cell=cells.text("email")),
    Column("phone_mobile", "Mobile", _F("phone_mobile"), ("phone_mobile",), "customer_org_mobile_idx", cell=cells.text("phone_mobile")),
    Column("phone_home", "Home phone", _F("phone_home"), ("phone_home",), "customer_org_home_idx", cell=cells.text("phone_home")),
    Column("phone_work", "Work phone", _F("phone_work"), ("phone_work",), "customer_org_work_idx", cell=cells.text("phone_work")),
    Column("address_line1", "Address line 1", _F("address_line1"), cell=cells.text("address_line1")),
    Column("address_line2", "Address line 2", _F("address_line2"), cell=cells.text("address_line2")),
    Column("city", "City", _F("city"), ("city",), "customer_org_city_idx", cell=cells.text("city")),
    Column("region", "State or region", _F("region"), ("region",), "customer_org_region_idx", cell=cells.text("region")),
    Column("postal_code", "Postal code", _F("postal_code"), ("postal_code",), "customer_org_postal_idx", cell=cells.text("postal_code")),
    Column("country", "Country", _F("country"), ("country",), "customer_org_country_idx", cell=cells.text("country")),
    Column("date_of_birth", "Date of birth", _F("date_of_birth"), ("date_of_birth",), "customer_org_dob_idx", cell=cells.day("date_of_birth")),
    Column("age", "Age", _age, ("-date_of_birth",), "customer_org_dob_idx", cell=cells.AGE),
    Column("birthday", "Birthday", lambda c: f"{c.date_of_birth:%d %b}" if c.date_of_birth else "", ("birth_mmdd",), "customer_org_mmdd_idx", cell=cells.BIRTHDAY),
    Column("external_id", "External id", _F("external_id"), cell=cells.text("external_id")),
    Column("gender", "Gender", _choice("gender"), ("gender",), "customer_org_gender_idx", cell=cells.choice("gender", Gender.choices)),
    Column("status", "Status", _choice("status"), ("status",), "customer_org_status_idx", cell=cells.choice("status", CustomerStatus.choices)),
    Column("source", "Source", _choice("source"), ("source",), "customer_org_source_idx", cell=cells.choice("source", CustomerSource.choices)),
    Column("email_consent", "Email consent", _choice("email_consent"), ("email_consent",), "customer_org_email_consent_idx", cell=cells.choice("email_consent", ConsentState.choices)),
    Column("sms_consent", "SMS consent", _choice("sms_consent"), ("sms_consent",), "customer_org_sms_consent_idx", cell=cells.choice("sms_consent", ConsentState.choices)),
    Column("discount_percent", "Discount %", _F("discount_percent"), ("discount_percent",), "customer_org_discount_idx", cell=cells.number("discount_percent")),
    Column("created_at", "Added", _F("created_at"), ("created_at",), "customer_org_created_idx", cell=cells.moment("created_at")),
    Column("updated_at", "Changed", _F("updated_at"), ("updated_at",), "customer_org_updated_idx", cell=cells.moment("updated_at")),
    Column("categories", "Categories", _categories, cell=cells.CATEGORIES),
):  # fmt: skip
    register(_column)

# Names the list used before the registry.
ALIASES = {"created": "created_at"}
DEFAULT_SORT = "name"


def _custom_value(field: CustomField) -> Callable[[Customer], str]:
    """Reads the API-shaped values a caller attached with `custom_values_for` (two queries
    a page), as `customer.custom_values_shaped`."""

    def value(customer: Customer) -> str:
        shaped = getattr(customer, "custom_values_shaped", {}).get(field.key)
        if isinstance(shaped, list):
            return ", ".join(str(v) for v in shaped)
        if field.field_type == CustomFieldType.BOOL and shaped is not None:
            return "Yes" if shaped else "No"
        return _text(shaped)

    return value


def columns_for(*, custom_fields: list[CustomField]) -> dict[str, Column]:
    """The registry plus the organization's custom fields (`cf_<key>`, not sortable: a
    sort by a value in another table has no (organization, …) index on the customer)."""
    found = dict(COLUMNS)
    for field in custom_fields:
        found[f"cf_{field.key}"] = Column(
            f"cf_{field.key}", field.label, _custom_value(field), cell=cells.custom_cell(field)
        )
    return found


@dataclass(frozen=True)
class Sort:
    key: str  # as asked, e.g. "-created_at"
    order: tuple[str, ...]  # for keyset_page, ending in pk


def parse_sort(raw: str | None, *, default: str = DEFAULT_SORT) -> Sort:
    """`sort=<key>` or `sort=-<key>` over the sortable columns.

    Raises:
        DomainError: naming `sort` for an unknown or unsortable column.
    """
    key = (raw or "").strip() or default
    descending = key.startswith("-")
    bare = ALIASES.get(key.removeprefix("-"), key.removeprefix("-"))
    column = COLUMNS.get(bare)
    if column is None or column.sort is None:
        sortable = ", ".join(k for k, c in COLUMNS.items() if c.sortable)
        raise DomainError.for_field("sort", f"Sort by one of: {sortable} (prefix - to reverse).")
    fields = (*column.sort, "pk")
    if descending:
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return Sort(key=f"-{bare}" if descending else bare, order=fields)


def sortable_columns() -> list[Column]:
    return [c for c in COLUMNS.values() if c.sortable]
