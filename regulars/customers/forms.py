from __future__ import annotations

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.jobs.schemas import SAMPLE_MAX


class CustomerForm(DomainErrorsMixin, forms.Form):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)


class SampleForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=SAMPLE_MAX, initial=500, label="How many sample customers"
    )
