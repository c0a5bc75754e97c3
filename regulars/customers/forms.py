from __future__ import annotations

from typing import Any, cast

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.custom_field_forms import PREFIX as CUSTOM_PREFIX
from regulars.customers.custom_field_forms import custom_form_fields, custom_form_values
from regulars.customers.models import (
    DEFAULT_COLOUR,
    NOTE_TEXT_MAX,
    Category,
    ConsentChannel,
    ConsentState,
    CustomField,
    Gender,
)
from regulars.jobs.schemas import SAMPLE_MAX
from regulars.tenancy.models import Location


def _tel() -> forms.TextInput:
    return forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})


def _short() -> forms.TextInput:
    return forms.TextInput(attrs={"class": "input-short"})


class CustomerForm(DomainErrorsMixin, forms.Form):
    """The record's fields. Values are checked and normalised by the service (which names
    the field on error), so the form stays lenient: a phone is text as typed."""

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)
    email = forms.CharField(
        max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone_mobile = forms.CharField(
        max_length=40, required=False, label="Mobile phone", widget=_tel()
    )
    phone_home = forms.CharField(max_length=40, required=False, label="Home phone", widget=_tel())
    phone_work = forms.CharField(max_length=40, required=False, label="Work phone", widget=_tel())
    address_line1 = forms.CharField(max_length=200, required=False, label="Address")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False, label="State or region")
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(
        max_length=2, required=False, help_text="Two letters, e.g. GB.", widget=_short()
    )
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    gender = forms.ChoiceField(choices=[("", "—"), *Gender.choices], required=False)
    account_number = forms.CharField(
        max_length=32, required=False, help_text="Leave empty for the next number."
    )
    loyalty_card = forms.CharField(max_length=64, required=False, label="Loyalty card number")
    external_id = forms.CharField(
        max_length=100, required=False, label="External id", help_text="Another system's id."
    )
    discount_percent = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        max_digits=5,
        label="Discount %",
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "input-short"}),
    )
    all_locations = forms.BooleanField(required=False, initial=True, label="All locations")
    location_ids = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Locations",
        widget=forms.CheckboxSelectMultiple,
        help_text="Used when “All locations” is off.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    GROUPS = (
        ("Name", ("first_name", "last_name", "company")),
        ("Contact", ("email", "phone_mobile", "phone_home", "phone_work")),
        (
            "Address",
            ("address_line1", "address_line2", "city", "region", "postal_code", "country"),
        ),
        ("Personal", ("date_of_birth", "gender")),
        ("Account", ("account_number", "loyalty_card", "external_id", "discount_percent")),
        ("Locations", ("all_locations", "location_ids")),
    )

    def __init__(
        self,
        *args: Any,
        locations: list[Location],
        require_gender_dob: bool = False,
        custom_fields: list[CustomField] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(custom_form_fields(custom_fields or []))
        field = cast(forms.TypedMultipleChoiceField, self.fields["location_ids"])
        field.choices = [(loc.pk, loc.name) for loc in locations]
        if require_gender_dob:
            self.fields["gender"].required = True
            self.fields["date_of_birth"].required = True

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        groups = [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]
        return [(title, fields) for title, fields in groups if fields]

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(CUSTOM_PREFIX)]

    def domain_field_name(self, name: str) -> str:
        # The service names custom values `custom_fields.<key>`; here they are `cf_<key>`.
        if name.startswith("custom_fields."):
            return CUSTOM_PREFIX + name.removeprefix("custom_fields.")
        return name

    def record_data(self) -> dict[str, Any]:
        """cleaned_data for the service: locations only as chosen, custom values by key."""
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "version" and not k.startswith(CUSTOM_PREFIX)
        }
        if data.get("all_locations"):
            data["location_ids"] = []
        data["custom_fields"] = custom_form_values(self.cleaned_data)
        return data


class SampleForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=SAMPLE_MAX, initial=500, label="How many sample customers"
    )


class ConsentForm(DomainErrorsMixin, forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    state = forms.ChoiceField(choices=ConsentState.choices)
    blocked = forms.BooleanField(required=False, label="Block all messages on this channel")
    detail = forms.CharField(max_length=200, required=False, label="Note (optional)")


class CategoryForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(max_length=100)
    colour = forms.CharField(
        max_length=7,
        initial=DEFAULT_COLOUR,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="The chip's colour; its text turns black or white to stay readable.",
    )
    description = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CustomerCategoriesForm(DomainErrorsMixin, forms.Form):
    domain_field_aliases = {"category_ids": "categories"}
    categories = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["categories"])
        field.choices = [(c.pk, c.name) for c in categories]


class NoteForm(DomainErrorsMixin, forms.Form):
    text = forms.CharField(
        max_length=NOTE_TEXT_MAX,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text; line breaks and links are kept.",
    )
