"""The history forms of the profile pages and the services catalogue.

Fields are named as the services' data keys, so a service's `DomainError` lands on the field
it names; values the services parse (money, days, local times) are taken as typed and
parsed there, so a page and the API refuse the same input with the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms

from regulars.core.errors import DomainError
from regulars.core.forms import DomainErrorsMixin
from regulars.history.models import NOTE_MAX, PaymentMethod, VisitStatus

Choices = list[tuple[Any, str]]


def _money(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _day(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _moment(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _note(limit: int = NOTE_MAX) -> forms.CharField:
    return forms.CharField(
        label="Note",
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HistoryForm(DomainErrorsMixin, forms.Form):
    """A conflict that names its field in `extra` (a number already used) lands there too."""

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.extra.get("field") if not exc.errors else None
        if isinstance(field, str) and self.domain_field_name(field) in self.fields:
            self.add_error(self.domain_field_name(field), exc.detail)
            return
        super().add_domain_error(exc)

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class VisitForm(HistoryForm):
    starts_at = _moment("Date and time")
    status = forms.ChoiceField(label="Status", choices=VisitStatus.choices)
    location_id = forms.ChoiceField(label="Location", required=False)
    staff_id = forms.ChoiceField(label="Staff member", required=False)
    service_ids = forms.MultipleChoiceField(
        label="Services", required=False, widget=forms.CheckboxSelectMultiple
    )
    amount = _money("Amount", help_text="What the visit cost before the discount, e.g. 55.00.")
    discount = _money("Discount")
    note = _note()

    def __init__(
        self,
        data: Any = None,
        *,
        locations: Choices,
        staff: Choices,
        services: Choices,
        time_zone: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["location_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]
        self.fields["staff_id"].choices = [("", "—"), *staff]  # type: ignore[attr-defined]
        self.fields["service_ids"].choices = services  # type: ignore[attr-defined]
        self.fields["starts_at"].help_text = f"In the organization's time ({time_zone})."
        if not services:
            del self.fields["service_ids"]


class OrderForm(HistoryForm):
    number = forms.CharField(
        label="Number",
        required=False,
        max_length=40,
        help_text="Leave empty for a number made up for you.",
    )
    ordered_at = _moment("Date and time")
    location_id = forms.ChoiceField(label="Location", required=False)
    amount = _money(
        "Total before discount",
        help_text="Only when you give no lines; with lines, their sum is the total.",
    )
    discount = _money("Discount")
    payment_method = forms.ChoiceField(
        label="Payment method", required=False, choices=[("", "—"), *PaymentMethod.choices]
    )
    note = _note()

    def __init__(
        self,
        data: Any = None,
        *,
        locations: Choices,
        time_zone: str,
        refund: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["location_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]
        self.fields["ordered_at"].help_text = f"In the organization's time ({time_zone})."
        if refund:
            self.fields["amount"].label = "Amount refunded"
            self.fields["amount"].required = True
            self.fields["amount"].help_text = "What is given back, e.g. 20.00."
            self.fields["discount"].help_text = "Kept back from the refund, if any."


class OrderLineForm(forms.Form):
    """One line of an order: an item or a service, a quantity and a unit price. A line left
    empty is skipped."""

    description = forms.CharField(label="Item", required=False, max_length=200)
    service_id = forms.ChoiceField(label="Service", required=False)
    quantity = forms.CharField(
        label="Quantity",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )
    unit_price = forms.CharField(
        label="Unit price",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
    )

    def __init__(self, data: Any = None, *, services: Choices, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["service_id"].choices = [("", "—"), *services]  # type: ignore[attr-defined]

    @property
    def is_blank(self) -> bool:
        return not any(str(self.cleaned_data.get(n) or "").strip() for n in self.fields)

    def line(self) -> dict[str, Any]:
        data = self.cleaned_data
        service = data.get("service_id") or ""
        return {
            "description": data.get("description", ""),
            "service_id": int(service) if str(service).isdigit() else None,
            "quantity": data.get("quantity", ""),
            "unit_price": data.get("unit_price", ""),
        }


class InvoiceForm(HistoryForm):
    number = forms.CharField(
        label="Number",
        required=False,
        max_length=40,
        help_text="Leave empty for a number made up for you.",
    )
    issued_on = _day("Issue date")
    due_on = _day("Due date")
    amount = _money("Amount", required=True)
    location_id = forms.ChoiceField(label="Location", required=False)
    written_off = forms.BooleanField(label="Written off (nothing more is expected)", required=False)
    note = _note()

    def __init__(
        self, data: Any = None, *, locations: Choices, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["location_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]
        if not editing:
            del self.fields["written_off"]


class PaymentForm(HistoryForm):
    paid_on = _day("Date")
    amount = _money("Amount", required=True)
    method = forms.ChoiceField(label="Method", choices=PaymentMethod.choices)
    note = _note(500)


class ServiceForm(HistoryForm):
    name = forms.CharField(label="Name", max_length=100)
    duration_minutes = forms.CharField(
        label="Duration (minutes)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    price = _money("Price")
    active = forms.BooleanField(label="Offered (can be chosen on new visits)", required=False)

    def __init__(self, data: Any = None, *, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if not editing:
            del self.fields["active"]
