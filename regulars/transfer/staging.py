"""The dry run's checked rows, kept beside the upload, so the import does not parse and
check the file a second time (phone parsing alone is most of a row's cost).

One JSON line per row, written before anything about the database is decided: what is
kept is a pure function of the file and the mapping. The import still matches, checks
identifiers and repeats against the database as it is when it runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from regulars.customers.custom_fields import Value, custom_value_plain
from regulars.customers.models import CustomField, CustomFieldOption, CustomFieldType
from regulars.transfer.rowmap import Prepared

NAME = "checked.jsonl"


def staging_path(upload: Path) -> Path:
    return upload.with_name(NAME)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_row(handle: IO[str], row: Prepared, fields: Mapping[str, CustomField]) -> None:
    custom = {
        key: _plain(custom_value_plain(fields[key], value)) if value is not None else None
        for key, value in row.custom.items()
        if key in fields
    }
    handle.write(
        json.dumps(
            {
                "n": row.number,
                "c": row.cells,
                "r": {k: _plain(v) for k, v in row.record.items()},
                "x": custom,
                "g": row.categories,
                "t": row.notes,
                "k": row.consent,
                "e": row.errors,
                "s": row.sources,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
    )
    handle.write("\n")


def _custom(
    field: CustomField, raw: Any, options: Mapping[tuple[str, str], CustomFieldOption]
) -> Value:
    if raw is None:
        return None
    kind = field.field_type
    if kind in (CustomFieldType.CHOICE, CustomFieldType.MULTI):
        labels = raw if isinstance(raw, list) else [raw]
        return tuple(
            options[(field.key, label)] for label in labels if (field.key, label) in options
        )
    if kind == CustomFieldType.DATE:
        return date.fromisoformat(raw)
    if kind == CustomFieldType.NUMBER:
        return Decimal(raw)
    return raw  # type: ignore[no-any-return]


def read_rows(
    path: Path,
    *,
    start: int,
    fields: Mapping[str, CustomField],
    options: Mapping[tuple[str, str], CustomFieldOption],
) -> Iterator[Prepared]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            if data["n"] < start:
                continue
            record = data["r"]
            if record.get("date_of_birth"):
                record["date_of_birth"] = date.fromisoformat(record["date_of_birth"])
            if record.get("discount_percent") not in (None, ""):
                record["discount_percent"] = Decimal(record["discount_percent"])
            yield Prepared(
                number=data["n"],
                cells=data["c"],
                record=record,
                custom={
                    key: _custom(fields[key], raw, options)
                    for key, raw in data["x"].items()
                    if key in fields
                },
                categories=data["g"],
                notes=data["t"],
                consent=data["k"],
                errors=data["e"],
                sources=data["s"],
            )
