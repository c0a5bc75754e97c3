"""Folding and the stored search columns: what every writer of a customer stores."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import phonenumbers
from anyascii import anyascii

from regulars.customers.models import PHONE_FIELDS, Customer

TIER_LIMIT = 2000
# Rows the FTS index may yield for one search (all organizations share the FTS table).
FTS_LIMIT = 20 * TIER_LIMIT
MIN_TRIGRAM = 3
MIN_PHONE_DIGITS = 4
FTS_TABLE = "customers_search"
# What `search_fields` reads; a change to any of them recomputes the search columns.
SEARCH_SOURCES = (
    "first_name",
    "last_name",
    "company",
    "email",
    *PHONE_FIELDS,
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "account_number",
    "loyalty_card",
    "external_id",
)
SEARCH_COLUMNS = ("search_doc", "first_folded", "last_folded", "email_folded", "initials")
NAME_MAX = 100
EMAIL_MAX = 254
INITIALS_MAX = 16

_DROPPED = re.compile(r"['`]")  # O'Brien → obrien, not "o brien"
_SEPARATORS = re.compile(r"[^a-z0-9@.+\-]+")
PHONE_LIKE = re.compile(r"^\+?[0-9 ().\-/]+$")
DIGITS = re.compile(r"[^0-9]")
SEPARATOR = "|"  # between values in search_doc; fold() never leaves one in a query term


def fold(text: str | None) -> str:
    """Lower-case ASCII words: accents and scripts transliterated (Zoë → zoe, Łukasz →
    lukasz), apostrophes dropped, any run of other characters one space; digits and
    `@ . + -` kept, so emails and identifiers stay whole."""
    if not text:
        return ""
    ascii_text = _DROPPED.sub("", anyascii(str(text)).lower())
    return " ".join(_SEPARATORS.sub(" ", ascii_text).split())


def _phone_digits(e164: str) -> list[str]:
    """An E.164 number as digits in international form and in national form (the trunk
    prefix and the national significant number, e.g. 0412555123), so that any run of its
    digits, typed either way, is a substring. Read from the country's metadata rather than
    formatted: a million rows are loaded in bulk."""
    digits = DIGITS.sub("", e164)
    if not digits:
        return []
    forms = [digits]
    for size in (1, 2, 3):  # calling codes are prefix-free
        code = int(digits[:size])
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
        if regions:
            break
    else:
        return forms
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    prefix = metadata.national_prefix if metadata is not None else None
    national = f"{prefix or ''}{digits[size:]}"
    if national not in digits:
        forms.append(national)
    return forms


def _value(record: Mapping[str, Any] | object, name: str) -> str:
    value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, "")
    return "" if value is None else str(value)


def search_fields(record: Mapping[str, Any] | object) -> dict[str, str]:
    """The stored search columns of a customer (a model instance, or any mapping or object
    with the `SEARCH_SOURCES` names; missing names count as empty)."""
    first = fold(_value(record, "first_name"))
    last = fold(_value(record, "last_name"))
    email = fold(_value(record, "email"))
    parts = [f"{first} {last}".strip(), fold(_value(record, "company")), email]
    for name in PHONE_FIELDS:
        parts.extend(_phone_digits(_value(record, name)))
    parts.extend(
        fold(_value(record, name))
        for name in (
            "account_number",
            "loyalty_card",
            "external_id",
            "address_line1",
            "address_line2",
            "city",
            "region",
        )
    )
    postal = fold(_value(record, "postal_code"))
    parts.extend([postal, postal.replace(" ", "")] if " " in postal else [postal])
    initials = "".join(word[0] for word in f"{first} {last}".split())
    return {
        "search_doc": SEPARATOR.join(p for p in parts if p),
        "first_folded": first[:NAME_MAX],
        "last_folded": last[:NAME_MAX],
        "email_folded": email[:EMAIL_MAX],
        "initials": initials[:INITIALS_MAX],
    }


def search_fields_set(customer: Customer) -> list[str]:
    """Recomputes the customer's search columns; returns the names of those that changed."""
    changed = []
    for name, value in search_fields(customer).items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    return changed
