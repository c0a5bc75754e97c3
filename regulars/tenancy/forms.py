from __future__ import annotations

import zoneinfo

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.tenancy.models import Location, Organization

TIME_ZONES = sorted(zoneinfo.available_timezones())


class OrganizationForm(DomainErrorsMixin, forms.ModelForm[Organization]):
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES])

    class Meta:
        model = Organization
        fields = (
            "name",
            "time_zone",
            "country",
            "currency",
            "sender_name",
            "reply_to",
            "account_prefix",
            "require_gender_dob",
            "export_link_hours",
        )


class LocationForm(DomainErrorsMixin, forms.ModelForm[Location]):
    time_zone = forms.ChoiceField(
        choices=[("", "Same as the organization"), *[(z, z) for z in TIME_ZONES]], required=False
    )

    class Meta:
        model = Location
        fields = ("name", "address_line1", "address_line2", "city", "postal_code", "time_zone")
