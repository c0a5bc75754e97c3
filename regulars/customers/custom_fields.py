"""Custom fields: the organization defines them (`settings.manage`), customers carry values.

A definition's `key` and type never change once created, so integrations, imports and stored
values stay valid. Options of list fields are given as a list of labels: unchanged labels
keep their option (and its id), removed labels are deleted with the values that chose them.

Values are cleaned here for every channel (form, API, import) and keyed by field key; a
problem names `custom_fields.<key>`. The caller that saves a customer writes the audit entry
with the changes `custom_values_save` returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Max, Q, QuerySet
from django.utils.text import slugify

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError, FieldError, NotFound
from regulars.customers.custom_field_selectors import custom_field_get_for_actor
from regulars.customers.models import (
    CHOICE_TYPES,
    KEY_RE,
    Customer,
    CustomField,
    CustomFieldOption,
    CustomFieldType,
    CustomFieldValue,
)
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.prepared import Prepared
from regulars.tenancy.scope import assert_in_scope

FIELDS = ("key", "label", "help_text", "field_type", "required", "visible_to_customer", "position")
FIXED = ("key", "field_type")  # set once, at creation
KEY_MAX = CustomField._meta.get_field("key").max_length or 50
LABEL_MAX = CustomField._meta.get_field("label").max_length or 100
HELP_MAX = CustomField._meta.get_field("help_text").max_length or 300
OPTION_MAX = CustomFieldOption._meta.get_field("label").max_length or 100
OPTIONS_MAX = 200
POSITION_MAX = 32767
TEXT_MAX = CustomFieldValue._meta.get_field("text_value").max_length or 1000
NUMBER_LIMIT = Decimal(10) ** 14  # Decimal(18, 4): 14 digits before the point
CHOICES_MAX = 500
TRUE = {"true", "yes", "y", "on", "1", "t"}
FALSE = {"false", "no", "n", "off", "0", "f"}


# ------------------------------------------------------------------ definitions


def _text(data: Mapping[str, Any], name: str, limit: int) -> str:
    value = str(data[name] if data[name] is not None else "").strip()
    if "\x00" in value:
        raise DomainError.for_field(name, "Must not contain NUL characters.")
    if len(value) > limit:
        raise DomainError.for_field(name, f"At most {limit} characters.")
    return value


def _options(raw: Any) -> list[str]:
    """Option labels trimmed, blanks dropped; a label given twice (any case) is an error."""
    if not isinstance(raw, list | tuple):
        raise DomainError.for_field("options", "Give the options as a list of labels.")
    labels: list[str] = []
    for item in raw:
        label = str(item if item is not None else "").strip()
        if not label:
            continue
        if "\x00" in label:
            raise DomainError.for_field("options", "Must not contain NUL characters.")
        if len(label) > OPTION_MAX:
            raise DomainError.for_field("options", f"Each option: at most {OPTION_MAX} characters.")
        if label.casefold() in {seen.casefold() for seen in labels}:
            raise DomainError.for_field("options", f"The option {label!r} is listed twice.")
        labels.append(label)
    if len(labels) > OPTIONS_MAX:
        raise DomainError.for_field("options", f"At most {OPTIONS_MAX} options.")
    return labels


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The known fields, trimmed and checked; each problem names its field."""
    cleaned: dict[str, Any] = {}
    for name, limit in (("key", KEY_MAX), ("label", LABEL_MAX), ("help_text", HELP_MAX)):
        if name in data and data[name] is not None:
            cleaned[name] = _text(data, name, limit)
    if cleaned.get("key") == "":
        del cleaned["key"]  # made from the label
    if "key" in cleaned and not re.fullmatch(KEY_RE, cleaned["key"]):
        raise DomainError.for_field(
            "key", "Lower-case letters, digits and _, starting with a letter."
        )
    if "label" in cleaned and not cleaned["label"]:
        raise DomainError.for_field("label", "A custom field needs a label.")
    if data.get("field_type") is not None:
        if data["field_type"] not in CustomFieldType.values:
            raise DomainError.for_field("field_type", "Choose one of the field types.")
        cleaned["field_type"] = str(data["field_type"])
    for name in ("required", "visible_to_customer"):
        if data.get(name) is not None:
            cleaned[name] = bool(data[name])
    if data.get("position") is not None:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int):
            raise DomainError.for_field("position", "Enter a whole number.")
        if not 0 <= position <= POSITION_MAX:
            raise DomainError.for_field("position", f"Between 0 and {POSITION_MAX}.")
        cleaned["position"] = position
    if data.get("options") is not None:
        cleaned["options"] = _options(data["options"])
    return cleaned


def key_from_label(label: str) -> str:
    """`Hair type` → `hair_type`: the key a field gets when none is given."""
    key = slugify(label).replace("-", "_").strip("_")[:KEY_MAX].rstrip("_")
    if not re.fullmatch(KEY_RE, key):
        key = f"field_{key}"[:KEY_MAX].rstrip("_")
    return key


def _require_free(field: CustomField) -> None:
    """Keys and labels are unique in the organization, labels whatever their case."""
    others = CustomField.objects.exclude(pk=field.pk) if field.pk else CustomField.objects.all()
    if others.filter(key=field.key).exists():
        raise DomainError.for_field("key", f"A custom field with the key {field.key!r} exists.")
    if others.filter(label__iexact=field.label).exists():
        raise DomainError.for_field("label", f"A custom field named {field.label!r} exists.")


def _save(field: CustomField, **kwargs: Any) -> None:
    _require_free(field)
    try:
        with transaction.atomic():
            field.save(**kwargs)
    except IntegrityError as exc:  # a concurrent save of the same key or label
        _require_free(field)
        raise DomainError.for_field("label", "A custom field with this name exists.") from exc


def _set_options(field: CustomField, labels: list[str]) -> tuple[list[str], list[str]]:
    """Makes the options exactly `labels`, in order; returns (old labels, new labels)."""
    existing = list(CustomFieldOption.objects.filter(field=field).order_by("position", "id"))
    old = [o.label for o in existing]
    exact = {o.label: o for o in existing}
    folded = {o.label.casefold(): o for o in existing}
    keep: list[CustomFieldOption] = []
    for position, label in enumerate(labels):
        option = exact.get(label) or folded.get(label.casefold())
        if option is None or option in keep:
            option = CustomFieldOption(organization=field.organization, field=field)
        option.label, option.position = label, position
        keep.append(option)
    removed = [o.pk for o in existing if o not in keep]
    if removed:
        CustomFieldValue.objects.filter(field=field, option_id__in=removed).delete()
        CustomFieldOption.objects.filter(pk__in=removed).delete()
    for option in keep:
        if option._state.adding:
            option.save()
        else:
            option.save(update_fields=["label", "position"])
    return old, labels


def _check_options(field_type: str, options: list[str] | None) -> None:
    if field_type in CHOICE_TYPES and not options:
        raise DomainError.for_field("options", "A list field needs at least one option.")
    if field_type not in CHOICE_TYPES and options:
        raise DomainError.for_field("options", "Only list fields have options.")


@transaction.atomic
def custom_field_create(*, org: Organization, actor: Actor, data: Mapping[str, Any]) -> CustomField:
    assert_in_scope(org)
    actor.require(Cap.SETTINGS_MANAGE)
    cleaned = _clean(data)
    if not cleaned.get("label"):
        raise DomainError.for_field("label", "A custom field needs a label.")
    if "field_type" not in cleaned:
        raise DomainError.for_field("field_type", "Choose one of the field types.")
    options = cleaned.pop("options", [])
    _check_options(cleaned["field_type"], options)
    if not cleaned.get("key"):
        cleaned["key"] = key_from_label(cleaned["label"])
    if "position" not in cleaned:
        last = CustomField.objects.aggregate(last=Max("position"))["last"]
        cleaned["position"] = 0 if last is None else min(last + 1, POSITION_MAX)
    field = CustomField(organization=org, **cleaned)
    _save(field)
    _set_options(field, options)
    audit_record(
        org=org,
        actor=actor,
        action="customers.custom_field.created",
        target=field,
        changes={**{k: getattr(field, k) for k in FIELDS}, "options": options},
    )
    return custom_field_get_for_actor(org=org, actor=actor, field_id=field.pk)


@transaction.atomic
def custom_field_update(
    *, org: Organization, actor: Actor, field_id: int, data: Mapping[str, Any]
) -> CustomField:
    """Changes the label, help, flags, position and options; `key` and type stay."""
    field = custom_field_get_for_actor(org=org, actor=actor, field_id=field_id)
    actor.require(Cap.SETTINGS_MANAGE)
    cleaned = _clean(data)
    for name in FIXED:
        if name in cleaned and cleaned.pop(name) != getattr(field, name):
            raise DomainError.for_field(
                name, f"The {name.replace('_', ' ')} cannot change; add a new field instead."
            )
    options = cleaned.pop("options", None)
    if options is not None:
        _check_options(field.field_type, options)
    changes: dict[str, Any] = {
        name: (getattr(field, name), value)
        for name, value in cleaned.items()
        if getattr(field, name) != value
    }
    for name, value in cleaned.items():
        setattr(field, name, value)
    if changes:
        _save(field, update_fields=list(changes))
    if options is not None and field.field_type in CHOICE_TYPES:
        old, new = _set_options(field, options)
        if old != new:
            changes["options"] = (old, new)
    if changes:
        audit_record(
            org=org,
            actor=actor,
            action="customers.custom_field.updated",
            target=field,
            changes=changes,
        )
    return custom_field_get_for_actor(org=org, actor=actor, field_id=field.pk)


@transaction.atomic
def custom_field_delete(*, org: Organization, actor: Actor, field_id: int) -> None:
    """Deletes the field with every customer's value of it; the audit keeps the count."""
    field = custom_field_get_for_actor(org=org, actor=actor, field_id=field_id)
    actor.require(Cap.SETTINGS_MANAGE)
    values = CustomFieldValue.objects.filter(field=field)
    audit_record(
        org=org,
        actor=actor,
        action="customers.custom_field.deleted",
        target=field,
        changes={
            "key": field.key,
            "label": field.label,
            "field_type": field.field_type,
            "customers_with_a_value": values.values("customer_id").distinct().count(),
        },
    )
    values.delete()
    CustomFieldOption.objects.filter(field=field).delete()
    field.delete()


# ------------------------------------------------------------------ values

Value = str | Decimal | date | bool | tuple[CustomFieldOption, ...] | None


@dataclass(frozen=True)
class CleanedCustomValues:
    """Values checked against the organization's fields, by key; None clears a value.

    Choice and multi values hold their options (a choice one at most)."""

    organization_id: int
    fields: dict[str, CustomField]
    values: dict[str, Value]

    def __bool__(self) -> bool:
        return bool(self.values)


class _Invalid(ValueError):
    pass


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw in ([], ())


def _clean_text(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise _Invalid("Enter text.")
    value = str(raw).strip()
    if "\x00" in value:
        raise _Invalid("Must not contain NUL characters.")
    if len(value) > TEXT_MAX:
        raise _Invalid(f"At most {TEXT_MAX:,} characters.")
    return value


def _clean_number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise _Invalid("Enter a number.")
    text = raw.strip() if isinstance(raw, str) else str(raw)
    try:
        value = Decimal(text) if len(text) <= 40 else Decimal("NaN")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _Invalid("Enter a number, e.g. 12 or 3.75.")
    if value.copy_abs() >= NUMBER_LIMIT:  # copy_abs: no context, so no Overflow
        raise _Invalid("The number is too large.")
    if value != value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN):
        raise _Invalid("At most 4 decimal places.")
    return value.quantize(Decimal("0.0001"))


def _clean_date(raw: Any) -> date:
    if type(raw) is date:  # a datetime is not a date here
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            raise _Invalid("This date does not exist.") from None
    else:
        raise _Invalid("Enter a date as YYYY-MM-DD.")
    if not 1800 <= value.year <= 2200:
        raise _Invalid("Enter a date between the years 1800 and 2200.")
    return value


def _clean_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().casefold() if isinstance(raw, str | int) else ""
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise _Invalid("Enter yes or no.")


def _option(field: CustomField, raw: Any) -> CustomFieldOption:
    options = list(field.options.all())
    found = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        found = next((o for o in options if o.pk == raw), None)
    elif isinstance(raw, str):
        found = next((o for o in options if o.label.casefold() == raw.strip().casefold()), None)
    if found is None:
        labels = ", ".join(o.label for o in options[:20])
        raise _Invalid(f"Choose one of: {labels}{', …' if len(options) > 20 else ''}.")
    return found


def _clean_value(field: CustomField, raw: Any) -> Value:
    if _is_empty(raw):
        return None
    kind = field.field_type
    if kind == CustomFieldType.TEXT:
        return _clean_text(raw) or None
    if kind == CustomFieldType.NUMBER:
        return _clean_number(raw)
    if kind == CustomFieldType.DATE:
        return _clean_date(raw)
    if kind == CustomFieldType.BOOL:
        return _clean_bool(raw)
    if kind == CustomFieldType.CHOICE:
        return (_option(field, raw),)
    items = raw if isinstance(raw, list | tuple) else [raw]
    if len(items) > CHOICES_MAX:
        raise _Invalid(f"At most {CHOICES_MAX} choices.")
    chosen = {o.pk: o for o in (_option(field, item) for item in items if not _is_empty(item))}
    return tuple(sorted(chosen.values(), key=lambda o: (o.position, o.pk))) or None


def _error_name(key: Any) -> str:
    return f"custom_fields.{str(key)[:100]}"


def custom_values_clean(
    *, org: Organization, values: Mapping[str, Any], partial: bool
) -> CleanedCustomValues:
    """Checks `values` (by field key) against the organization's fields.

    `partial=False` (a whole record: the form, a create) also refuses a required field that
    is missing; with `partial=True` (a PATCH) only the keys given are looked at. Clearing a
    required field (None, "", []) is refused either way.

    Raises:
        DomainError: every problem, each naming `custom_fields.<key>`.
    """
    assert_in_scope(org)
    fields = {f.key: f for f in CustomField.objects.prefetch_related("options")}
    if not isinstance(values, Mapping):
        raise DomainError.for_field("custom_fields", "Give custom fields as an object by key.")
    errors: list[FieldError] = []
    cleaned: dict[str, Value] = {}
    for key, raw in values.items():
        field = fields.get(key)
        if field is None:
            errors.append(FieldError(_error_name(key), "There is no custom field with this key."))
            continue
        try:
            cleaned[key] = _clean_value(field, raw)
        except _Invalid as exc:
            errors.append(FieldError(_error_name(key), str(exc)))
            continue
        if cleaned[key] is None and field.required:
            errors.append(FieldError(_error_name(key), f"{field.label} is required."))
    if not partial:
        for key, field in fields.items():
            if field.required and key not in values:
                errors.append(FieldError(_error_name(key), f"{field.label} is required."))
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)
    return CleanedCustomValues(organization_id=org.pk, fields=fields, values=cleaned)


def _shape_rows(field: CustomField, rows: Iterable[CustomFieldValue]) -> Any:
    """The API shape of one field's stored rows."""
    rows = list(rows)
    if field.field_type == CustomFieldType.MULTI:
        chosen = sorted((r.option for r in rows if r.option), key=lambda o: (o.position, o.pk))
        return [o.label for o in chosen]
    if not rows:
        return None
    row = rows[0]
    if field.field_type == CustomFieldType.CHOICE:
        return row.option.label if row.option else None
    return _shape(
        {
            CustomFieldType.TEXT: row.text_value,
            CustomFieldType.NUMBER: row.number_value,
            CustomFieldType.DATE: row.date_value,
            CustomFieldType.BOOL: row.bool_value,
        }.get(CustomFieldType(field.field_type))
    )


def _shape(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [o.label for o in value]
    return value


def _shape_cleaned(field: CustomField, value: Value) -> Any:
    if field.field_type == CustomFieldType.MULTI:
        return _shape(value) if value else []
    if field.field_type == CustomFieldType.CHOICE:
        return value[0].label if isinstance(value, tuple) and value else None
    return _shape(value)


def _rows(customer: Customer, field: CustomField, value: Value) -> list[CustomFieldValue]:
    base = {"organization_id": customer.organization_id, "customer": customer, "field": field}
    if value is None:
        return []
    if isinstance(value, tuple):
        return [CustomFieldValue(**base, option=o) for o in value]
    column = {
        CustomFieldType.TEXT: "text_value",
        CustomFieldType.NUMBER: "number_value",
        CustomFieldType.DATE: "date_value",
        CustomFieldType.BOOL: "bool_value",
    }[CustomFieldType(field.field_type)]
    return [CustomFieldValue(**base, **{column: value})]


@transaction.atomic
def custom_values_save(
    *, customer: Customer, cleaned: CleanedCustomValues
) -> dict[str, tuple[Any, Any]]:
    """Replaces the customer's value of each field in `cleaned`; returns the API-shaped
    old → new pairs of those that changed (for the caller's audit entry)."""
    if customer.organization_id != cleaned.organization_id:
        raise NotFound()
    fields = [cleaned.fields[key] for key in cleaned.values]
    existing: dict[int, list[CustomFieldValue]] = {}
    for row in CustomFieldValue.objects.filter(customer=customer, field__in=fields).select_related(
        "option"
    ):
        existing.setdefault(row.field_id, []).append(row)
    changes: dict[str, tuple[Any, Any]] = {}
    new_rows: list[CustomFieldValue] = []
    for field in fields:
        value = cleaned.values[field.key]
        old = _shape_rows(field, existing.get(field.pk, []))
        new = _shape_cleaned(field, value)
        if old == new:
            continue
        changes[field.key] = (old, new)
        if field.pk in existing:
            CustomFieldValue.objects.filter(customer=customer, field=field).delete()
        new_rows.extend(_rows(customer, field, value))
    CustomFieldValue.objects.bulk_create(new_rows)
    return changes


def custom_values_for(*, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each customer's values, API-shaped, with every field of the organization in scope
    (unset: None, or [] for a multi field), in form order. Two queries for any number."""
    fields = list(CustomField.objects.order_by("position", "label", "id"))
    rows: dict[tuple[int, int], list[CustomFieldValue]] = {}
    for row in CustomFieldValue.objects.filter(customer_id__in=customer_ids).select_related(
        "option"
    ):
        rows.setdefault((row.customer_id, row.field_id), []).append(row)
    return {
        customer_id: {f.key: _shape_rows(f, rows.get((customer_id, f.pk), [])) for f in fields}
        for customer_id in customer_ids
    }


_COLUMN_OF = {
    CustomFieldType.TEXT: 3,
    CustomFieldType.NUMBER: 4,
    CustomFieldType.DATE: 5,
    CustomFieldType.BOOL: 6,
}


def _fields_with_values_of(*, customer_id: int) -> QuerySet[CustomField, tuple[Any, ...]]:
    """Every field of the organization in scope, left-joined to this customer's rows of it;
    a several-of-a-list field has a row per chosen option, in the options' order."""
    return (
        CustomField.objects.annotate(
            mine=FilteredRelation("values", condition=Q(values__customer_id=customer_id))
        )
        .order_by("position", "label", "id", "mine__option__position", "mine__option_id")
        .values_list(
            "key",
            "field_type",
            "mine__id",
            "mine__text_value",
            "mine__number_value",
            "mine__date_value",
            "mine__bool_value",
            "mine__option__label",
        )
    )


_fields_with_values_of_prepared: Prepared[tuple[Any, ...]] = Prepared(
    _fields_with_values_of, args={"customer_id": "int"}
)


def custom_values_of(*, customer_id: int) -> dict[str, Any]:
    """One customer's values, shaped as `custom_values_for` shapes them, in one query
    compiled once (the API by id reads them on every call; the two queries of
    `custom_values_for`, built each time, cost a third of such a call)."""
    shaped: dict[str, Any] = {}
    for row in _fields_with_values_of_prepared(customer_id=customer_id):
        key, kind, value_id, label = row[0], row[1], row[2], row[7]
        if kind == CustomFieldType.MULTI:
            chosen = shaped.setdefault(key, [])
            if label is not None:
                chosen.append(label)
        elif key in shaped:
            continue  # one value per field: the first row, as `_shape_rows` takes
        elif value_id is None:
            shaped[key] = None
        elif kind == CustomFieldType.CHOICE:
            shaped[key] = label
        else:
            shaped[key] = _shape(row[_COLUMN_OF[CustomFieldType(kind)]])
    return shaped


def custom_value_clean(field: CustomField, raw: Any) -> Value:
    """One cell for one field (an import's row), with the field already loaded.

    Raises:
        DomainError: naming `custom_fields.<key>`.
    """
    try:
        return _clean_value(field, raw)
    except _Invalid as exc:
        raise DomainError.for_field(_error_name(field.key), str(exc)) from exc


def custom_value_plain(field: CustomField, value: Value) -> Any:
    """The value as the bulk insert takes it (options by label) and the API shows it."""
    if isinstance(value, tuple):
        labels = tuple(o.label for o in value)
        return labels if field.field_type == CustomFieldType.MULTI else labels[0]
    return value


def custom_value_shape(field: CustomField, value: Value) -> Any:
    """A cleaned value as `custom_values_for` shows a stored one: equal when unchanged."""
    return _shape_cleaned(field, value)
