from __future__ import annotations

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.models import ConsentChannel, ConsentState
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
