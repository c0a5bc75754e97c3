from __future__ import annotations

from typing import Any, cast

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.models import (
    DEFAULT_COLOUR,
    NOTE_TEXT_MAX,
    Category,
    ConsentChannel,
    ConsentState,
)
from regulars.jobs.schemas import SAMPLE_MAX


class CustomerForm(DomainErrorsMixin, forms.Form):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)


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
