"""The export form and the data log's filters."""

from __future__ import annotations

from typing import Any

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.columns import Column
from regulars.transfer.models import DataLogEvent, ExportFormat


class ExportForm(DomainErrorsMixin, forms.Form):
    format = forms.ChoiceField(
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        help_text="CSV opens anywhere; Excel keeps numbers and dates as such.",
    )
    columns = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="Your list's columns are ticked; the file has them in this order.",
        error_messages={"required": "Tick at least one column."},
    )

    def __init__(self, *args: Any, available: dict[str, Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticked = list(self.initial.get("columns") or [])
        # The ticked columns first, in their order, then the rest as the registry has them.
        order = ticked + [key for key in available if key not in ticked]
        self.fields["columns"].choices = [  # type: ignore[attr-defined]
            (key, available[key].label) for key in order
        ]

    def clean_columns(self) -> list[str]:
        """The ticked columns in the order the page lists them."""
        picked = set(self.cleaned_data["columns"])
        choices = self.fields["columns"].choices  # type: ignore[attr-defined]
        return [key for key, _label in choices if key in picked]


class DataLogFilterForm(forms.Form):
    person = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    event = forms.ChoiceField(
        label="What", required=False, choices=[("", "Everything"), *DataLogEvent.choices]
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Everyone"), *people]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end comes before the start; swap the dates.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "user_id": data.get("person"),
            "day_from": data.get("date_from"),
            "day_to": data.get("date_to"),
            "event": data.get("event") or None,
        }
