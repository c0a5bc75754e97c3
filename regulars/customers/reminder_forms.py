"""The reminder form of the profile card and the edit page."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.models import REMINDER_TEXT_MAX


class ReminderForm(DomainErrorsMixin, forms.Form):
    text = forms.CharField(
        max_length=REMINDER_TEXT_MAX,
        label="Reminder",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(
        label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    due_time = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Optional; the organization's local time.",
    )
    # Named as in the API, so the service's errors land on the field.
    assigned_to_id = forms.TypedChoiceField(label="For", coerce=int, required=False)

    def __init__(
        self, data: Any = None, *, assignees: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        # Its own element ids: the profile shows it beside the note form (`id_text` too).
        kwargs.setdefault("auto_id", "reminder_%s")
        super().__init__(data, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["assigned_to_id"])
        field.choices = assignees
