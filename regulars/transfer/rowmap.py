"""One file row → the customer it describes, checked, with each problem on its cell.

Pure Python over a batch: nothing here touches the database, so validation runs at the
speed of the parsers (phonenumbers is most of it), and the dry run and the import prepare
rows the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regulars.core.csv_safe import restore
from regulars.core.errors import DomainError
from regulars.customers.custom_fields import Value, custom_value_clean
from regulars.customers.models import PHONE_FIELDS, Customer, CustomField
from regulars.customers.normalize import email_key, normalize_phone
from regulars.customers.services import clean_record
from regulars.tenancy.models import Organization
from regulars.transfer import values as parse
from regulars.transfer.formats import RawRow
from regulars.transfer.targets import IGNORE, RECORD_TARGETS, custom_key, is_custom

MAX_LENGTHS = {
    name: getattr(Customer._meta.get_field(name), "max_length", 0) or 0
    for name in RECORD_TARGETS
    if name not in ("date_of_birth", "discount_percent", "email", *PHONE_FIELDS)
}
NOTE_MAX = 5000
INTERNATIONAL_MIN = 10  # digits of the shortest international numbers worth retrying


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    target: str
    type_column: int | None = None


@dataclass
class Prepared:
    number: int
    cells: list[str]
    record: dict[str, Any] = field(default_factory=dict)  # cleaned, as services store them
    custom: dict[str, Value] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    consent: dict[str, str] = field(default_factory=dict)  # channel → opted_in/opted_out
    errors: list[dict[str, str]] = field(default_factory=list)  # {"column", "message"}
    sources: dict[str, str] = field(default_factory=dict)  # field → the header it came from

    def reject(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})

    @property
    def ok(self) -> bool:
        return not self.errors

    def keys(self) -> dict[str, str]:
        """The matching keys this row carries, in their stored form."""
        phones = [self.record.get(name, "") for name in PHONE_FIELDS]
        return {
            "email": email_key(self.record.get("email", "")) if self.record.get("email") else "",
            "phone": next((p for p in phones if p), ""),
            "account_number": self.record.get("account_number", ""),
            "loyalty_card": self.record.get("loyalty_card", ""),
            "external_id": self.record.get("external_id", ""),
        }


class RowMapper:
    """Prepared once per batch run: the mapping, the organization's fields and rules."""

    def __init__(
        self,
        *,
        org: Organization,
        headers: Sequence[str],
        mapping: Sequence[Mapping[str, Any]],
        custom_fields: Mapping[str, CustomField],
        constant_consent: Mapping[str, str] | None = None,
        blank_clears: bool = False,
    ) -> None:
        self.org = org
        self.headers = list(headers)
        self.columns = [
            Column(
                i,
                headers[i] or f"Column {i + 1}",
                str(m.get("target") or IGNORE),
                m.get("type_column"),
            )
            for i, m in enumerate(mapping)
            if i < len(headers) and (m.get("target") or IGNORE) != IGNORE
        ]
        self.custom_fields = custom_fields
        self.constant_consent = dict(constant_consent or {})
        self.blank_clears = blank_clears
        self.month_first = (org.country or "").upper() == "US"

    def prepare(self, raw: RawRow) -> Prepared:
        row = Prepared(number=raw.number, cells=raw.cells)
        if raw.error:
            row.reject("", raw.error)
            return row
        data: dict[str, Any] = {}
        phones: list[tuple[str | None, str, str]] = []  # (kind, value, header)
        full_name = ("", "")
        for column in self.columns:
            cell = restore(raw.cells[column.index].strip()) if column.index < len(raw.cells) else ""
            target = column.target
            if "\x00" in cell:
                row.reject(column.header, "The cell contains a NUL character; remove it.")
                continue
            if not cell:
                if self.blank_clears and target in RECORD_TARGETS:
                    data.setdefault(target, "")
                    row.sources.setdefault(target, column.header)
                continue
            if target in ("email", "phone"):
                parts = [p.strip() for p in cell.split(" ::: ") if p.strip()]
                cell = parts[0] if target == "email" else cell
            try:
                if target in RECORD_TARGETS and target not in data:
                    data[target] = self._cell(target, cell)
                    row.sources[target] = column.header
                elif target == "phone":
                    kind = None
                    if column.type_column is not None and column.type_column < len(raw.cells):
                        kind = parse.phone_kind(raw.cells[column.type_column])
                    if kind == "ignore":
                        continue  # a fax or pager number is not a way to reach a customer
                    phones.extend(
                        (kind, part.strip(), column.header)
                        for part in cell.split(" ::: ")
                        if part.strip()
                    )
                elif target == "full_name":
                    full_name = (cell, column.header)
                elif target == "categories":
                    row.categories.extend(parse.split_categories(cell))
                elif target == "note":
                    if len(cell) > NOTE_MAX:
                        raise ValueError(f"A note can be at most {NOTE_MAX:,} characters.")
                    row.notes.append(cell)
                elif target in ("email_consent", "sms_consent"):
                    state = parse.parse_consent(cell)
                    if state is not None:
                        row.consent[target.removesuffix("_consent")] = state
                elif is_custom(target):
                    key = custom_key(target)
                    custom_field = self.custom_fields.get(key)
                    if custom_field is not None:
                        row.custom[key] = custom_value_clean(custom_field, cell)
            except ValueError as exc:
                row.reject(column.header, str(exc))
            except DomainError as exc:
                row.reject(column.header, exc.detail)
        for channel, state in self.constant_consent.items():
            row.consent.setdefault(channel.removesuffix("_consent"), state)
        if full_name[0] and not (data.get("first_name") or data.get("last_name")):
            first, last = parse.split_full_name(full_name[0])
            data["first_name"], data["last_name"] = first, last
            row.sources["first_name"] = row.sources["last_name"] = full_name[1]
        phones = [(kind, self._phone(value), header) for kind, value, header in phones]
        for name in PHONE_FIELDS:
            if data.get(name):
                data[name] = self._phone(data[name])
        self._place_phones(data, phones, row)
        self._lengths(data, row)
        try:
            row.record = clean_record(self.org, data)
        except DomainError as exc:
            for error in exc.errors:
                row.reject(row.sources.get(error.field, error.field), error.message)
        return row

    def _phone(self, value: str) -> str:
        """A spreadsheet keeps +44 7700 900123 as the number 447700900123: digits that are
        no number of the organization's country are read as international."""
        if value.isdigit() and not value.startswith("0") and len(value) >= INTERNATIONAL_MIN:
            try:
                normalize_phone(value, region=self.org.country)
            except DomainError:
                return f"+{value}"
        return value

    def _cell(self, target: str, cell: str) -> Any:
        if target == "date_of_birth":
            day = parse.parse_date(cell, month_first=self.month_first)
            return day.isoformat() if day else ""
        if target == "gender":
            return parse.parse_gender(cell)
        if target == "country":
            return parse.parse_country(cell)
        return cell

    @staticmethod
    def _place_phones(
        data: dict[str, Any], phones: list[tuple[str | None, str, str]], row: Prepared
    ) -> None:
        """Typed phones take their slot; the others fill the free slots in order."""
        for kind, value, header in phones:
            if kind is not None and not data.get(kind):
                data[kind] = value
                row.sources[kind] = header
        for kind, value, header in phones:
            if kind is not None and data.get(kind) == value:
                continue
            free = next((name for name in PHONE_FIELDS if not data.get(name)), None)
            if free is None:
                break  # more phones than the record holds: the first three are kept
            data[free] = value
            row.sources[free] = header

    @staticmethod
    def _lengths(data: dict[str, Any], row: Prepared) -> None:
        for name, limit in MAX_LENGTHS.items():
            value = data.get(name)
            if isinstance(value, str) and limit and len(value.strip()) > limit:
                row.reject(
                    row.sources.get(name, name),
                    f"At most {limit} characters ({len(value.strip())} given).",
                )
                del data[name]
