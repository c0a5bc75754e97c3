from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html

from regulars.core.forms import DomainErrorsMixin
from regulars.tenancy.forms import TIME_ZONES
from regulars.tenancy.models import Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="6-digit code",
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": r"\s*\d{6}\s*",
            }
        ),
    )


class PasswordPairForm(DomainErrorsMixin, forms.Form):
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
    )
    password2 = forms.CharField(
        label="Password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validators_help_text_html()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class InvitationAcceptForm(PasswordPairForm):
    name = forms.CharField(label="Your name", max_length=200)
    field_order = ["name", "password", "password2"]


class FirstRunForm(PasswordPairForm):
    org_name = forms.CharField(label="Business name", max_length=200)
    time_zone = forms.ChoiceField(
        label="Time zone", choices=[(z, z) for z in TIME_ZONES], initial="UTC"
    )
    country = forms.CharField(
        label="Country (2 letters, for phone numbers)", max_length=2, min_length=2, initial="US"
    )
    currency = forms.CharField(
        label="Currency (3 letters)", max_length=3, min_length=3, initial="USD"
    )
    name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="Your email (your login)")
    field_order = [
        "org_name",
        "time_zone",
        "country",
        "currency",
        "name",
        "email",
        "password",
        "password2",
    ]


def _location_choices(locations: Any) -> list[tuple[int, str]]:
    return [(loc.pk, loc.name) for loc in locations]


class StaffForm(DomainErrorsMixin, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    all_locations = forms.BooleanField(required=False, label="All locations")
    locations = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Used when 'All locations' is off.",
    )
    is_active = forms.BooleanField(required=False, label="Active")

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locations"].choices = _location_choices(locations)  # type: ignore[attr-defined]


class InvitationForm(DomainErrorsMixin, forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STAFF)
    all_locations = forms.BooleanField(required=False, initial=True, label="All locations")
    locations = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Used when 'All locations' is off.",
    )

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locations"].choices = _location_choices(locations)  # type: ignore[attr-defined]


class ApiKeyForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. 'Till in shop 2'.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READONLY)
