"""vCard files (.vcf; versions 2.1, 3.0 and 4.0), one contact per row.

The file is cut into contacts (BEGIN:VCARD … END:VCARD) here, line by line, and each
contact is parsed by vobject on its own: one broken contact becomes one rejected row and
the rest are still read, and the file is never held in memory whole. Photos, logos, sounds
and keys are dropped while cutting; they are often most of a file and nothing imports them.

The table has fixed headers, named as the header matcher knows them. Row numbers are the
contact's position + 1, so the first contact is "row 2", as the first data row of a
spreadsheet is. A phone of a kind already filled goes to "Phone" if that is free, else it
is left out; fax and pager numbers are left out.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vobject

from regulars.transfer.formats.base import FileRefused, Limits, RawRow, Table
from regulars.transfer.formats.rows import is_blank, too_many_rows
from regulars.transfer.formats.text import TextEncoding, detect_encoding, read_lines

HEADERS = [
    "First Name",
    "Last Name",
    "Full Name",
    "Company",
    "E-mail",
    "Mobile Phone",
    "Home Phone",
    "Work Phone",
    "Phone",
    "Address Line 1",
    "Address Line 2",
    "City",
    "Region",
    "Postal Code",
    "Country",
    "Birthday",
    "Note",
    "Categories",
]
_COLUMN = {header: index for index, header in enumerate(HEADERS)}

# A contact may hold this many times the longest cell once its photo is dropped.
CONTACT_FACTOR = 100
_DROPPED = {"PHOTO", "LOGO", "SOUND", "KEY"}
_PROPERTY_NAME = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)")
_NOT_PHONES = {"fax", "pager"}


@dataclass
class _Contact:
    position: int
    text: str
    problem: str | None = None


def _contacts(
    path: Path, encoding: TextEncoding, limits: Limits
) -> Generator[_Contact, None, None]:
    """Each BEGIN:VCARD … END:VCARD block as text, or with the reason it cannot be read."""
    cap = limits.max_cell * CONTACT_FACTOR
    position = 0
    lines: list[str] | None = None  # None outside a contact
    size = 0
    dropping = False
    line_open = False  # the previous piece did not end its line

    with closing(read_lines(path, encoding, cap + 1)) as pieces:
        for piece in pieces:
            continued, line_open = line_open, not piece.endswith(("\n", "\r"))
            if continued:
                if lines is not None and not dropping:
                    lines.append(piece)
                    size += len(piece)
                continue
            keyword = piece.strip().upper()
            if keyword.startswith("BEGIN:VCARD"):
                if lines is not None:
                    yield _Contact(position, "", _cut_off(position))
                position += 1
                lines, size, dropping = [piece], len(piece), False
                continue
            if lines is None:
                continue  # text between contacts
            if keyword.startswith("END:VCARD"):
                lines.append(piece)
                if size > cap:
                    yield _Contact(
                        position,
                        "",
                        f"Contact {position} is longer than {cap:,} characters, even "
                        "without its photo, so it was not read.",
                    )
                else:
                    yield _Contact(position, "".join(lines))
                lines = None
                continue
            if piece[:1] not in (" ", "\t"):
                match = _PROPERTY_NAME.match(piece)
                dropping = match is not None and match.group(1).upper() in _DROPPED
            if dropping:
                continue
            size += len(piece)
            if size <= cap:
                lines.append(piece)
    if lines is not None:
        yield _Contact(position, "", _cut_off(position))


def _cut_off(position: int) -> str:
    return (
        f"Contact {position} is cut off: it has no END:VCARD line, so it was not read. "
        "Export the contacts again; the file may have been cut short."
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def _params(prop: Any) -> set[str]:
    """TYPE values and bare 2.1 parameters, lower case; vCard 4.0 may quote a list."""
    values: list[str] = list(getattr(prop, "singletonparams", []))
    for key, params in prop.params.items():
        if key.upper() == "TYPE":
            values.extend(params)
        elif key.upper() == "PREF":
            values.append("pref")
    return {part.strip().strip('"').lower() for value in values for part in value.split(",")}


def _label(card: Any, group: str | None) -> str:
    """The Apple-style label of an itemN. group, e.g. "_$!<Mobile>!$_" → "mobile"."""
    if not group:
        return ""
    for prop in card.getChildren():
        if prop.group == group and prop.name.upper() == "X-ABLABEL":
            return _text(prop.value).removeprefix("_$!<").removesuffix(">!$_").lower()
    return ""


def _phone_kind(card: Any, prop: Any) -> str | None:
    kinds = _params(prop) | set(_label(card, prop.group).split())
    if kinds & _NOT_PHONES:
        return None
    if kinds & {"cell", "mobile", "iphone"}:
        return "Mobile Phone"
    if "home" in kinds:
        return "Home Phone"
    if "work" in kinds:
        return "Work Phone"
    return "Phone"


def _preferred(props: list[Any]) -> Any:
    return next((p for p in props if "pref" in _params(p)), props[0] if props else None)


def _birthday(value: str) -> str:
    """An ISO date, or "" for a birthday without a year (--0302); other text as given."""
    value = value.strip()
    if not value or value.startswith("--"):
        return ""
    digits = value.split("T")[0].replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        try:
            return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        except ValueError:
            return value
    return value


def _cells(card: Any) -> list[str]:
    cells = [""] * len(HEADERS)

    def put(header: str, value: str) -> None:
        cells[_COLUMN[header]] = value

    by_name: dict[str, list[Any]] = {}
    for prop in card.getChildren():
        by_name.setdefault(prop.name.upper(), []).append(prop)

    if names := by_name.get("N"):
        name = names[0].value
        put("First Name", _text(getattr(name, "given", "")).replace(", ", " "))
        put("Last Name", _text(getattr(name, "family", "")).replace(", ", " "))
    if full := by_name.get("FN"):
        put("Full Name", _text(full[0].value))
    if org := by_name.get("ORG"):
        value = org[0].value
        put("Company", _text(value[0] if isinstance(value, list) and value else value))
    if email := _preferred(by_name.get("EMAIL", [])):
        put("E-mail", _text(email.value))

    for prop in sorted(by_name.get("TEL", []), key=lambda p: "pref" not in _params(p)):
        kind = _phone_kind(card, prop)
        number = re.sub(r"^tel:", "", _text(prop.value), flags=re.IGNORECASE)
        if kind is None or not number:
            continue
        if not cells[_COLUMN[kind]]:
            put(kind, number)
        elif not cells[_COLUMN["Phone"]]:
            put("Phone", number)

    if address := _preferred(by_name.get("ADR", [])):
        value = address.value
        put(
            "Address Line 1",
            _text(getattr(value, "street", "")) or _text(getattr(value, "box", "")),
        )
        put("Address Line 2", _text(getattr(value, "extended", "")))
        put("City", _text(getattr(value, "city", "")))
        put("Region", _text(getattr(value, "region", "")))
        put("Postal Code", _text(getattr(value, "code", "")))
        put("Country", _text(getattr(value, "country", "")))
    if birthday := by_name.get("BDAY"):
        put("Birthday", _birthday(_text(birthday[0].value)))
    put("Note", "\n".join(_text(note.value) for note in by_name.get("NOTE", [])))
    categories = [
        _text(item)
        for prop in by_name.get("CATEGORIES", [])
        for item in (prop.value if isinstance(prop.value, list) else [prop.value])
    ]
    put("Categories", "; ".join(c for c in categories if c))
    return cells


def _row(contact: _Contact, limits: Limits) -> RawRow:
    number = contact.position + 1
    if contact.problem is not None:
        return RawRow(number, [""] * len(HEADERS), contact.problem)
    try:
        card = vobject.readOne(contact.text, allowQP=True)
        cells = _cells(card)
    except Exception as error:  # vobject raises many kinds on a malformed contact
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return RawRow(
            number,
            [""] * len(HEADERS),
            f"Contact {contact.position} could not be read ({reason}).",
        )
    too_long = [i for i, cell in enumerate(cells) if len(cell) > limits.max_cell]
    if too_long:
        for index in too_long:
            cells[index] = cells[index][: limits.max_cell]
        return RawRow(
            number,
            cells,
            f"The cell in column “{HEADERS[too_long[0]]}” is longer than "
            f"{limits.max_cell:,} characters.",
        )
    return RawRow(number, cells)


def open_vcard(path: Path, head: bytes, limits: Limits) -> Table:
    encoding = detect_encoding(path, head)

    def rows() -> Generator[RawRow, None, None]:
        """One row per contact; raises FileRefused past the row limit, so dry-run first."""
        count = 0
        with closing(_contacts(path, encoding, limits)) as contacts:
            for contact in contacts:
                row = _row(contact, limits)
                if row.error is None and is_blank(row.cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise too_many_rows(limits)
                yield row

    first_problem: str | None = None
    with closing(rows()) as peek:
        for row in peek:
            if row.error is None:
                break
            first_problem = first_problem or row.error
        else:
            raise FileRefused(
                "No contact in this vCard file could be read"
                + (f": {first_problem}" if first_problem else ".")
                + " Export the contacts again from the program they came from, as vCard "
                "or CSV, and upload that."
            )
    return Table(format="vcard", headers=list(HEADERS), rows=rows, encoding=encoding.label)
