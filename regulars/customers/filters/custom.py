"""Filters on custom fields, generated per organization from its CustomField rows.

`cf_<key>` (equals), and by type: text `cf_<key>__contains`; number and date
`cf_<key>__gte`, `cf_<key>__lte`; one/several of a list `cf_<key>__in` (option ids or labels,
comma-separated: one of). Each is an `id IN (values of this field …)` subquery that the
(organization, field, <type>_value) indexes of CustomFieldValue answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from regulars.core.errors import DomainError
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.filters import base
from regulars.customers.filters.base import GENERATORS, Filter, QueryData
from regulars.customers.models import (
    Customer,
    CustomField,
    CustomFieldOption,
    CustomFieldType,
    CustomFieldValue,
)
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization

T = CustomFieldType
OPERATORS: dict[str, tuple[str, ...]] = {
    T.TEXT: ("", "contains"),
    T.NUMBER: ("", "gte", "lte"),
    T.DATE: ("", "gte", "lte"),
    T.BOOL: ("",),
    T.CHOICE: ("", "in"),
    T.MULTI: ("", "in"),
}
COLUMN = {
    T.TEXT: "text_value",
    T.NUMBER: "number_value",
    T.DATE: "date_value",
    T.BOOL: "bool_value",
    T.CHOICE: "option",
    T.MULTI: "option",
}
WORDS = {"": "is", "contains": "contains", "gte": "at least", "lte": "at most", "in": "is"}
LOOKUP = {"": "", "contains": "__icontains", "gte": "__gte", "lte": "__lte", "in": "__in"}
NUMBER_LIMIT = Decimal("1e14")


def _param(key: str, op: str) -> str:
    return f"cf_{key}__{op}" if op else f"cf_{key}"


class CustomFieldFilter(Filter):
    """All the operators of one custom field; the value maps operator to operand."""

    def __init__(self, *, org: Organization, actor: Actor, field: CustomField) -> None:
        super().__init__(org=org, actor=actor)
        self.field = field
        self.key = f"cf_{field.key}"  # type: ignore[misc]
        self.ops = OPERATORS[field.field_type]
        self.params = tuple(_param(field.key, op) for op in self.ops)

    def _options(self, param: str, text: str) -> list[CustomFieldOption]:
        options = list(self.field.options.all())
        chosen: list[CustomFieldOption] = []
        for token in (t.strip() for t in text.split(",") if t.strip()):
            found = next(
                (
                    o
                    for o in options
                    if (token.isascii() and token.isdigit() and o.pk == int(token))
                    or o.label.casefold() == token.casefold()
                ),
                None,
            )
            if found is None:
                raise DomainError.for_field(
                    param, f"{self.field.label} has no option {token[:50]!r}."
                )
            if found not in chosen:
                chosen.append(found)
        return chosen

    def _operand(self, param: str, op: str, text: str) -> Any:
        kind = self.field.field_type
        if kind == T.TEXT:
            if len(text) > 1000:
                raise DomainError.for_field(param, "At most 1,000 characters.")
            return text
        if kind == T.NUMBER:
            try:
                number = Decimal(text) if len(text) <= 40 else Decimal("NaN")
            except ArithmeticError:
                number = Decimal("NaN")
            if not number.is_finite() or number.copy_abs() >= NUMBER_LIMIT:
                raise DomainError.for_field(param, "Enter a number, e.g. 12 or 3.75.")
            return number
        if kind == T.DATE:
            return base.day(_One(param, text), param)
        if kind == T.BOOL:
            return base.yes_no(_One(param, text), param)
        chosen = self._options(param, text)
        if op == "" and len(chosen) > 1:
            raise DomainError.for_field(param, f"Choose one option, or use {param}__in.")
        return chosen

    def parse(self, data: QueryData) -> dict[str, Any] | None:
        value: dict[str, Any] = {}
        for op, param in zip(self.ops, self.params, strict=True):
            text = base.raw(data, param)
            if text is not None:
                value[op] = self._operand(param, op, text)
        return value or None

    def apply(
        self, queryset: QuerySet[Customer], value: dict[str, Any], *, org: Organization
    ) -> QuerySet[Customer]:
        column = COLUMN[CustomFieldType(self.field.field_type)]
        for op, operand in value.items():
            lookup = LOOKUP["in" if isinstance(operand, list) else op]
            if isinstance(operand, list):
                operand = [o.pk for o in operand]
            rows = CustomFieldValue.objects.filter(
                field=self.field, **{f"{column}{lookup}": operand}
            )
            queryset = queryset.filter(id__in=rows.values("customer_id"))
        return queryset

    def _shown(self, operand: Any) -> str:
        if isinstance(operand, list):
            return base.or_list([o.label for o in operand])
        if isinstance(operand, bool):
            return "yes" if operand else "no"
        if isinstance(operand, Decimal):
            return format(operand.normalize(), "f")
        if isinstance(operand, date):
            return base.shown_day(operand)
        return f"“{operand}”"

    def describe(self, value: dict[str, Any]) -> str:
        if "gte" in value and "lte" in value and len(value) == 2:
            return f"{self.field.label} {self._shown(value['gte'])}–{self._shown(value['lte'])}"
        return ", ".join(
            f"{self.field.label} {WORDS[op]} {self._shown(operand)}"
            for op, operand in value.items()
        )

    def _text(self, operand: Any) -> str:
        if isinstance(operand, list):
            return ",".join(str(o.pk) for o in operand)
        if isinstance(operand, bool):
            return "yes" if operand else "no"
        if isinstance(operand, Decimal):
            return format(operand.normalize(), "f")
        if isinstance(operand, date):
            return operand.isoformat()
        return str(operand)

    def to_query(self, value: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (_param(self.field.key, op), self._text(value[op])) for op in self.ops if op in value
        ]

    def form_fields(self) -> dict[str, forms.Field]:
        kind, label, key = self.field.field_type, self.field.label, self.field.key
        if kind == T.TEXT:
            return {
                _param(key, "contains"): forms.CharField(label=f"{label} contains", required=False)
            }
        if kind in (T.NUMBER, T.DATE):
            make = forms.DecimalField if kind == T.NUMBER else forms.DateField
            extra: dict[str, Any] = (
                {} if kind == T.NUMBER else {"widget": forms.DateInput(attrs={"type": "date"})}
            )
            return {
                _param(key, "gte"): make(label=f"{label} from", required=False, **extra),
                _param(key, "lte"): make(label=f"{label} to", required=False, **extra),
            }
        if kind == T.BOOL:
            return {_param(key, ""): base.yes_no_field(label)}
        return {
            _param(key, "in"): forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=[(o.pk, o.label) for o in self.field.options.all()],
                widget=forms.CheckboxSelectMultiple,
            )
        }


class _One:
    """A one-parameter query for reusing the base parsers on an already-read operand."""

    def __init__(self, param: str, text: str) -> None:
        self._data = {param: [text]}

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        return self._data.get(key, [])

    def __iter__(self) -> Any:
        return iter(self._data)


def custom_field_filters(org: Organization, actor: Actor) -> list[Filter]:
    return [
        CustomFieldFilter(org=org, actor=actor, field=f)
        for f in custom_field_list(org=org, actor=actor)
    ]


GENERATORS.append(custom_field_filters)
