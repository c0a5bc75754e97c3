"""What a column of an import file can be: the vocabulary of the mapping.

One list drives the automatic matching of headers, the mapping form, the sample CSV and the
help page, so the four never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

IGNORE = "ignore"
CUSTOM_PREFIX = "custom:"  # custom:<field key>


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    help: str
    example: str
    # Several columns may feed it (phones fill the free phone slots; categories add up).
    repeatable: bool = False


TARGETS: tuple[Target, ...] = (
    Target("first_name", "First name", "Given name.", "Anna"),
    Target("last_name", "Last name", "Family name.", "Kowalska"),
    Target(
        "full_name",
        "Full name",
        "A whole name in one cell, split into first and last name (titles and suffixes "
        "such as Dr or Jr are dropped). Ignored where the row also has a first or last name.",
        "Dr. Anna Maria Kowalska",
    ),
    Target("company", "Company", "Business name, for business customers.", "Kowalska Design"),
    Target(
        "email",
        "Email",
        "One address. Stored in lower case; checked for form, not delivered to.",
        "anna@example.com",
    ),
    Target(
        "phone_mobile",
        "Mobile phone",
        "Any common form; numbers without a country code take your organization's country.",
        "+44 7700 900123",
    ),
    Target("phone_home", "Home phone", "As mobile phone.", "020 7946 0000"),
    Target("phone_work", "Work phone", "As mobile phone.", "020 7946 0001"),
    Target(
        "phone",
        "Phone (any)",
        "A phone of unknown kind: fills the first free of mobile, home and work.",
        "07700 900456",
        repeatable=True,
    ),
    Target("address_line1", "Address line 1", "Street and number.", "12 High Street"),
    Target("address_line2", "Address line 2", "Flat, building, area.", "Flat 3"),
    Target("city", "City", "Town or city.", "London"),
    Target("region", "State or region", "County, state or province.", "Greater London"),
    Target("postal_code", "Postal code", "Stored in capitals.", "SW1A 2AA"),
    Target(
        "country",
        "Country",
        "Two-letter code (GB, US) or the country's English name.",
        "GB",
    ),
    Target(
        "date_of_birth",
        "Date of birth",
        "YYYY-MM-DD, or day/month/year (month/day/year where your organization is in the "
        "US), or 2 March 1985.",
        "1985-03-02",
    ),
    Target(
        "gender",
        "Gender",
        "female, male, another or undisclosed (F, M, woman, man are understood).",
        "female",
    ),
    Target(
        "account_number",
        "Account number",
        "Your own customer number; left empty, Regulars gives the next free one.",
        "C-10442",
    ),
    Target("loyalty_card", "Loyalty card number", "The number on the card.", "6001234567"),
    Target(
        "external_id",
        "External id",
        "The customer's id in the system you are moving from; keeps re-imports matched.",
        "shopify:7712345",
    ),
    Target("discount_percent", "Discount %", "A number from 0 to 100.", "10"),
    Target(
        "categories",
        "Categories",
        "Category names, separated by ; or , (created if you allow it, otherwise the row "
        "is rejected naming the unknown category).",
        "VIP; Newsletter",
        repeatable=True,
    ),
    Target(
        "note",
        "Note",
        "Added to the customer's notes as a new note.",
        "Prefers morning appointments",
        repeatable=True,
    ),
    Target(
        "email_consent",
        "Email consent",
        "yes / no / subscribed / unsubscribed / opted in / opted out; empty leaves it as it is.",
        "yes",
    ),
    Target("sms_consent", "SMS consent", "As email consent.", "no"),
)

BY_NAME = {t.name: t for t in TARGETS}
RECORD_TARGETS = frozenset(
    {
        "first_name",
        "last_name",
        "company",
        "email",
        "phone_mobile",
        "phone_home",
        "phone_work",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postal_code",
        "country",
        "date_of_birth",
        "gender",
        "account_number",
        "loyalty_card",
        "external_id",
        "discount_percent",
    }
)


def is_custom(target: str) -> bool:
    return target.startswith(CUSTOM_PREFIX)


def custom_key(target: str) -> str:
    return target[len(CUSTOM_PREFIX) :]
