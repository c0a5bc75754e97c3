"""Suggest what each column of an import file is, from its header row alone.

The suggestion pre-fills the mapping form; the user confirms or corrects it. It is built to
be right for the files people actually bring (exports of the systems in `systems.py`, and
home-made spreadsheets with headers like "E-mail" or "Postcode") and to leave a column ignored
rather than guess when nothing matches: a wrong guess writes bad data, an ignored column
only asks the user to pick.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from anyascii import anyascii

from regulars.transfer.systems import BY_SYSTEM, MAILCHIMP_UNSUBSCRIBED_MARKER, SYSTEMS, System
from regulars.transfer.targets import BY_NAME, CUSTOM_PREFIX, IGNORE

# A system is recognised when at least this share of one of its signatures is present.
SIGNATURE_SHARE = 0.7


@dataclass(frozen=True)
class ColumnMap:
    target: str  # a Target name, "custom:<key>", or "ignore"
    # For a typed pair, the column whose cell names the kind of the value in this one (Google's
    # "Phone 1 - Label" for "Phone 1 - Value"); the importer asks values.phone_kind per row.
    type_column: int | None = None


@dataclass(frozen=True)
class Suggestion:
    system: str | None
    system_label: str
    columns: list[ColumnMap]  # one per header, in the same order
    # Set where the file's name says every row's status (Mailchimp splits its export per
    # status), e.g. {"email_consent": "opted_out"}; the importer applies it to every row.
    constant_consent: dict[str, str]


def header_key(text: str) -> str:
    """The form headers are compared in: ASCII, case-folded, with every space, underscore,
    hyphen and punctuation mark removed, so "E-mail Address", "email_address" and
    "EMAIL ADDRESS" are one key (and "Address1" is "Address 1")."""
    return re.sub(r"[^0-9a-z]+", "", anyascii(text).casefold())


# Spellings people and tools use, per target. Compared by header_key, so case, accents,
# spacing and punctuation need not be listed twice. A few German spellings are included
# because German spreadsheets are common among the shops Regulars is for.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("First name", "Given name", "Forename", "First", "Vorname"),
    "last_name": ("Last name", "Surname", "Family name", "Last", "Nachname", "Familienname"),
    "full_name": ("Name", "Full name", "Contact name", "Display name", "Customer name"),
    "company": (
        "Company",
        "Company name",
        "Organization",
        "Organisation",
        "Organization name",
        "Organisation name",
        "Business",
        "Business name",
        "Firma",
    ),
    "email": ("Email", "E-mail", "E-mail address", "Email address", "Mail", "E-Mail-Adresse"),
    "phone_mobile": (
        "Mobile",
        "Mobile phone",
        "Mobile number",
        "Mobile phone number",
        "Cell",
        "Cell phone",
        "Cellphone",
        "Cell number",
        "Handy",
        "Mobil",
        "Mobiltelefon",
        "Handynummer",
    ),
    "phone_home": ("Home phone", "Phone (home)", "Home", "Home number", "Telefon privat"),
    "phone_work": (
        "Work phone",
        "Business phone",
        "Office phone",
        "Phone (work)",
        "Work number",
        "Telefon geschäftlich",
    ),
    "phone": ("Phone", "Telephone", "Tel", "Tel.", "Phone number", "Telephone number", "Telefon"),
    "address_line1": (
        "Address",
        "Address 1",
        "Address line 1",
        "Street",
        "Street 1",
        "Street address",
        "Street address 1",
        "Strasse",
        "Anschrift",
    ),
    "address_line2": ("Address 2", "Address line 2", "Street 2", "Street address 2"),
    "city": ("City", "Town", "Town/City", "Ort", "Stadt"),
    "region": ("State", "County", "Province", "Region", "State/Region", "State/Province"),
    "postal_code": ("Postal code", "Postcode", "Post code", "Zip", "ZIP code", "PLZ"),
    "country": ("Country", "Country code", "Country/Region", "Land"),
    "date_of_birth": (
        "Date of birth",
        "DOB",
        "Birthday",
        "Birth date",
        "Birthdate",
        "Geburtstag",
        "Geburtsdatum",
    ),
    "gender": ("Gender", "Sex", "Geschlecht"),
    "account_number": (
        "Account number",
        "Account",
        "Account no",
        "Account no.",
        "Customer number",
        "Customer no",
        "Client number",
        "Kundennummer",
    ),
    "loyalty_card": (
        "Loyalty card",
        "Loyalty card number",
        "Loyalty number",
        "Card",
        "Card number",
        "Kundenkarte",
    ),
    "external_id": ("ID", "External ID", "Customer ID", "Record ID", "Contact ID"),
    "discount_percent": ("Discount", "Discount %", "Discount percent", "Rabatt"),
    "categories": (
        "Categories",
        "Category",
        "Tags",
        "Tag",
        "Groups",
        "Group",
        "Labels",
        "Group membership",
        "Kategorie",
        "Kategorien",
    ),
    "note": ("Note", "Notes", "Comment", "Comments", "Remarks", "Memo", "Notiz", "Bemerkung"),
    "email_consent": (
        "Email consent",
        "Email opt in",
        "Email opt-in",
        "Email marketing",
        "Accepts email marketing",
        "Accepts marketing",
        "Email subscription status",
        "Newsletter",
        "Subscribed",
    ),
    "sms_consent": (
        "SMS consent",
        "SMS opt in",
        "SMS opt-in",
        "SMS marketing",
        "Accepts SMS marketing",
        "SMS subscription status",
    ),
}


@cache
def _synonym_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for target, spellings in SYNONYMS.items():
        for spelling in spellings:
            keys.setdefault(header_key(spelling), target)
    return keys


@dataclass(frozen=True)
class _SystemKeys:
    system: System
    signatures: tuple[frozenset[str], ...]
    columns: dict[str, str]
    second_choice: frozenset[str]


@cache
def _system_keys() -> tuple[_SystemKeys, ...]:
    return tuple(
        _SystemKeys(
            system=s,
            signatures=tuple(frozenset(header_key(h) for h in sig) for sig in s.signatures),
            columns={header_key(h): t for h, t in s.columns.items()},
            second_choice=frozenset(header_key(h) for h in s.second_choice),
        )
        for s in SYSTEMS
    )


def _recognise(keys: set[str]) -> _SystemKeys | None:
    """The system whose signature is best covered, if covered enough; the earlier system
    wins a tie (Google's current layout before its legacy one)."""
    best: _SystemKeys | None = None
    best_share = 0.0
    for candidate in _system_keys():
        for signature in candidate.signatures:
            share = len(signature & keys) / len(signature)
            if share >= SIGNATURE_SHARE and share > best_share:
                best, best_share = candidate, share
    return best


# Google's numbered columns: "E-mail 1 - Value", "Phone 2 - Label", "Address 1 - City",
# "Organization 1 - Name". Matched on the ASCII text, before punctuation is removed.
_NUMBERED = re.compile(
    r"^\s*(?P<field>e-?mail|phone|address|organi[sz]ation)\s*(?P<n>\d+)\s*-\s*(?P<part>.+?)\s*$",
    re.IGNORECASE,
)
_ADDRESS_PARTS = {
    "street": "address_line1",
    "extendedaddress": "address_line2",
    "city": "city",
    "region": "region",
    "postalcode": "postal_code",
    "country": "country",
}


def _numbered(header: str, index_of: Mapping[str, int]) -> tuple[str, int | None] | None:
    """Target and type column of a numbered column, or None when the header is not one.

    Only the first e-mail, address and organization are taken (the customer has one of
    each); every phone is, each filling a slot by the kind its type column names."""
    match = _NUMBERED.match(anyascii(header))
    if match is None:
        return None
    field = header_key(match["field"])
    n = int(match["n"])
    part = header_key(match["part"])
    if field == "phone":
        if part != "value":
            return IGNORE, None
        type_column = index_of.get(f"phone{n}type", index_of.get(f"phone{n}label"))
        return "phone", type_column
    if n != 1:
        return IGNORE, None
    if field == "email":
        return ("email" if part == "value" else IGNORE), None
    if field == "address":
        return _ADDRESS_PARTS.get(part, IGNORE), None
    return ("company" if part == "name" else IGNORE), None


def _custom_keys(custom_fields: Mapping[str, str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for key, label in custom_fields.items():
        target = f"{CUSTOM_PREFIX}{key}"
        keys.setdefault(header_key(key), target)
        keys.setdefault(header_key(label), target)
    keys.pop("", None)
    return keys


# Mailchimp names each file of its export after the status of the people in it.
_MAILCHIMP_STATUS = re.compile(r"(?<![a-z])(unsubscribed|nonsubscribed|cleaned|subscribed)")
_MAILCHIMP_CONSENT = {
    "subscribed": "opted_in",
    "unsubscribed": "opted_out",
    # Cleaned addresses bounced; non-subscribed people never said either way.
    "cleaned": None,
    "nonsubscribed": None,
}


def _constant_consent(system: System | None, file_name: str, keys: set[str]) -> dict[str, str]:
    if system is None or system.name != "mailchimp":
        return {}
    name = re.sub(r"[-_.\s]+", " ", PurePath(file_name.replace("\\", "/")).name.casefold())
    name = name.replace("non subscribed", "nonsubscribed")
    match = _MAILCHIMP_STATUS.search(name)
    if match is not None:
        state = _MAILCHIMP_CONSENT[match[1]]
        return {"email_consent": state} if state else {}
    if header_key(MAILCHIMP_UNSUBSCRIBED_MARKER) in keys:
        return {"email_consent": "opted_out"}
    return {}


def _is_repeatable(target: str) -> bool:
    known = BY_NAME.get(target)
    return known is not None and known.repeatable


def suggest_mapping(
    headers: Sequence[str], *, file_name: str = "", custom_fields: Mapping[str, str] = {}
) -> Suggestion:
    """One ColumnMap per header. Per column, the first that applies wins: the recognised
    system's own meaning of the header, a custom field of that key or label, the system's
    "ignore this", a numbered Google-style column, a generic synonym; else ignore.

    A target that takes one column goes to its first candidate, except that a system's
    second-choice column gives way to any other."""
    keys = [header_key(h) for h in headers]
    key_set = set(keys)
    index_of: dict[str, int] = {}
    for i, key in enumerate(keys):
        index_of.setdefault(key, i)
    recognised = _recognise(key_set)
    system_columns = recognised.columns if recognised else {}
    second_choice = recognised.second_choice if recognised else frozenset()
    customs = _custom_keys(custom_fields)
    synonyms = _synonym_keys()

    proposed: list[ColumnMap] = []
    for header, key in zip(headers, keys, strict=True):
        system_target = system_columns.get(key)
        numbered = _numbered(header, index_of)
        if system_target is not None and system_target != IGNORE:
            proposed.append(ColumnMap(system_target))
        elif key in customs:
            proposed.append(ColumnMap(customs[key]))
        elif system_target == IGNORE:
            proposed.append(ColumnMap(IGNORE))
        elif numbered is not None:
            proposed.append(ColumnMap(numbered[0], numbered[1]))
        else:
            proposed.append(ColumnMap(synonyms.get(key, IGNORE)))

    columns = _one_column_per_target(proposed, [k in second_choice for k in keys])
    system = recognised.system if recognised else None
    return Suggestion(
        system=system.name if system else None,
        system_label=system.label if system else "",
        columns=columns,
        constant_consent=_constant_consent(system, file_name, key_set),
    )


def _one_column_per_target(proposed: list[ColumnMap], second: list[bool]) -> list[ColumnMap]:
    chosen: dict[str, int] = {}
    for i, column in enumerate(proposed):
        target = column.target
        if target == IGNORE or _is_repeatable(target):
            continue
        current = chosen.get(target)
        if current is None or (second[current] and not second[i]):
            chosen[target] = i
    return [
        column
        if column.target == IGNORE or _is_repeatable(column.target) or chosen[column.target] == i
        else ColumnMap(IGNORE)
        for i, column in enumerate(proposed)
    ]


def system_label(name: str | None) -> str:
    """The label of a system name as stored on an import, "" for none or an unknown one."""
    found = BY_SYSTEM.get(name or "")
    return found.label if found else ""
