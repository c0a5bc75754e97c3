"""Forms for custom fields: the settings form that defines one, and the form fields that
carry customers' values (`cf_<key>`) on any customer form.

Value form fields hand back plain values (text, Decimal, date, "yes"/"no", option labels);
`custom_values_clean` does the real checking, so the page and the API refuse the same things.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms

from regulars.core.errors import DomainError, FieldError
from regulars.core.forms import DomainErrorsMixin
from regulars.customers.custom_fields import (
    HELP_MAX,
    KEY_MAX,
    LABEL_MAX,
    NUMBER_LIMIT,
    OPTION_MAX,
    OPTIONS_MAX,
    POSITION_MAX,
    TEXT_MAX,
)
from regulars.customers.models import CHOICE_TYPES, CustomField, CustomFieldType

PREFIX = "cf_"
ERROR_PREFIX = "custom_fields."
BOOL_CHOICES = [("", "—"), ("yes", "Yes"), ("no", "No")]


# ------------------------------------------------------------------ Settings → Custom fields


class CustomFieldForm(DomainErrorsMixin, forms.Form):
    """Defines a field; `key` and `field_type` are only on the form that creates one."""

    label = forms.CharField(max_length=LABEL_MAX)
    key = forms.CharField(
        max_length=KEY_MAX,
        required=False,
        help_text=(
            "Names the field in the API and in imports; it cannot change later. "
            "Leave empty to make one from the label."
        ),
    )
    field_type = forms.ChoiceField(label="Type", choices=CustomFieldType.choices)
    options = forms.CharField(
        required=False,
        max_length=OPTIONS_MAX * (OPTION_MAX + 2),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "For “one of a list” and “several of a list”: one option per line. Removing an "
            "option clears it from the customers who had it."
        ),
    )
    help_text = forms.CharField(
        max_length=HELP_MAX, required=False, help_text="Shown under the field on the form."
    )
    required = forms.BooleanField(required=False, label="Required on the customer form")
    visible_to_customer = forms.BooleanField(
        required=False, label="The customer sees it in the portal"
    )
    position = forms.IntegerField(
        min_value=0,
        max_value=POSITION_MAX,
        required=False,
        help_text="Fields are shown by position, then label. Empty: after the others.",
    )

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if field is not None:
            del self.fields["key"]
            del self.fields["field_type"]
            self.fields["position"].help_text = "Fields are shown by position, then label."
            if field.field_type not in CHOICE_TYPES:
                del self.fields["options"]

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the services take it (options as a list of labels)."""
        data = dict(self.cleaned_data)
        if "options" in data:
            data["options"] = str(data["options"] or "").splitlines()
        if data.get("position") is None:
            data.pop("position", None)
        return data


def custom_field_initial(field: CustomField) -> dict[str, Any]:
    return {
        "label": field.label,
        "help_text": field.help_text,
        "required": field.required,
        "visible_to_customer": field.visible_to_customer,
        "position": field.position,
        "options": "\n".join(o.label for o in field.options.all()),
    }


# ------------------------------------------------------------------ customers' values


def _form_field(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {
        "label": field.label,
        "help_text": field.help_text,
        "required": field.required,
    }
    kind = field.field_type
    if kind == CustomFieldType.NUMBER:
        limit = NUMBER_LIMIT - Decimal("0.0001")
        return forms.DecimalField(
            max_digits=18, decimal_places=4, min_value=-limit, max_value=limit, **common
        )
    if kind == CustomFieldType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == CustomFieldType.BOOL:
        return forms.ChoiceField(choices=BOOL_CHOICES, **common)
    labels = [(o.label, o.label) for o in field.options.all()]
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *labels], **common)
    if kind == CustomFieldType.MULTI:
        return forms.MultipleChoiceField(
            choices=labels, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=TEXT_MAX, **common)


def custom_form_fields(fields: Iterable[CustomField]) -> dict[str, forms.Field]:
    """One form field per custom field, named `cf_<key>`, in the order given.

    Pass the fields with their options prefetched (`custom_field_list` does)."""
    return {f"{PREFIX}{field.key}": _form_field(field) for field in fields}


def custom_form_initial(values: Mapping[str, Any]) -> dict[str, Any]:
    """Initial data for the form fields from one customer's `custom_values_for` entry."""
    initial: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        initial[f"{PREFIX}{key}"] = value
    return initial


def custom_form_values(cleaned_data: Mapping[str, Any]) -> dict[str, Any]:
    """The `cf_` fields of a valid form as the `values` mapping of `custom_values_clean`
    (an empty field clears its value)."""
    return {
        name.removeprefix(PREFIX): (None if value in ("", [], None) else value)
        for name, value in cleaned_data.items()
        if name.startswith(PREFIX)
    }


def custom_form_domain_error(exc: DomainError) -> DomainError:
    """The error with `custom_fields.<key>` renamed `cf_<key>`, so that
    `DomainErrorsMixin.add_domain_error` puts each message on its form field."""
    errors = [
        FieldError(
            (PREFIX + e.field.removeprefix(ERROR_PREFIX))
            if e.field.startswith(ERROR_PREFIX)
            else e.field,
            e.message,
        )
        for e in exc.errors
    ]
    return DomainError(detail=exc.detail, code=exc.code, errors=errors, status=exc.status)
