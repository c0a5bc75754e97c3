"""Filters on the customer record's own columns: where they live, who they are, how to
reach them. Each is an equality or range on a column an (organization, column) index of
migration 0006_filters serves.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from regulars.core.errors import DomainError
from regulars.customers.filters import base
from regulars.customers.filters.base import Filter, QueryData, register
from regulars.customers.models import (
    ConsentState,
    Customer,
    CustomerSource,
    Gender,
)
from regulars.tenancy.models import Organization


class ValuesFilter(Filter):
    """One parameter, a comma-separated list of exact values of one column."""

    column = ""
    label = ""
    wording = ""  # "in {}"
    max_length = 100
    allowed: dict[str, str] | None = None  # choices: value -> words

    def parse(self, data: QueryData) -> list[str] | None:
        param = self.params[0]
        if self.allowed is not None:
            return base.choices(data, param, self.allowed)
        values = base.items(data, param)
        if values and any(len(v) > self.max_length for v in values):
            raise DomainError.for_field(param, f"At most {self.max_length} characters each.")
        return values

    def apply(
        self, queryset: QuerySet[Customer], value: list[str], *, org: Organization
    ) -> QuerySet[Customer]:
        return queryset.filter(**{f"{self.column}__in": value})

    def describe(self, value: list[str]) -> str:
        words = [self.allowed[v] if self.allowed else v for v in value]
        return self.wording.format(base.or_list(words))

    def to_query(self, value: list[str]) -> list[tuple[str, str]]:
        return [(self.params[0], ",".join(value))]

    def form_fields(self) -> dict[str, forms.Field]:
        param = self.params[0]
        if self.allowed is not None:
            return {
                param: forms.MultipleChoiceField(
                    label=self.label,
                    required=False,
                    choices=list(self.allowed.items()),
                    widget=forms.CheckboxSelectMultiple,
                )
            }
        return {param: forms.CharField(label=self.label, required=False, max_length=500)}


def _words(choices: Any) -> dict[str, str]:
    return {str(v): str(label).lower() for v, label in choices}


@register
class StateFilter(ValuesFilter):
    key, params, column, label, wording = "state", ("state",), "region", "State or region", "in {}"


@register
class CityFilter(ValuesFilter):
    key, params, column, label, wording = "city", ("city",), "city", "City", "in {}"


@register
class CountryFilter(ValuesFilter):
    key, params, column, label, wording = "country", ("country",), "country", "Country", "in {}"

    def parse(self, data: QueryData) -> list[str] | None:
        values = super().parse(data)
        if values is None:
            return None
        values = [v.upper() for v in values]
        if not all(len(v) == 2 and v.isascii() and v.isalpha() for v in values):
            raise DomainError.for_field("country", "Enter two-letter country codes, e.g. AU,NZ.")
        return values


@register
class GenderFilter(ValuesFilter):
    key, params, column, label = "gender", ("gender",), "gender", "Gender"
    wording = "gender {}"
    allowed = _words(Gender.choices)


@register
class SourceFilter(ValuesFilter):
    key, params, column, label = "source", ("source",), "source", "Source"
    wording = "from {}"
    allowed = _words(CustomerSource.choices)


@register
class EmailConsentFilter(ValuesFilter):
    key, params, column, label = "email_consent", ("email_consent",), "email_consent", "Email"
    wording = "email {}"
    allowed = _words(ConsentState.choices)


@register
class SmsConsentFilter(ValuesFilter):
    key, params, column, label = "sms_consent", ("sms_consent",), "sms_consent", "SMS"
    wording = "SMS {}"
    allowed = _words(ConsentState.choices)


@register
class PostalCodeFilter(Filter):
    """`postal_code`: a prefix ("20" finds 2000 to 2099, "sw1a" finds SW1A 2AA); a range
    on the (organization, postal_code) index."""

    key = "postal_code"
    params = ("postal_code",)

    def parse(self, data: QueryData) -> str | None:
        value = base.raw(data, "postal_code")
        if value is not None and len(value) > 20:
            raise DomainError.for_field("postal_code", "At most 20 characters.")
        return None if value is None else value.upper()

    def apply(
        self, queryset: QuerySet[Customer], value: str, *, org: Organization
    ) -> QuerySet[Customer]:
        # The range lets SQLite use the (organization, postal_code) index (its LIKE cannot);
        # postcodes are stored and asked in capitals, so LIKE finds the same on both engines.
        return queryset.filter(postal_code__gte=value, postal_code__startswith=value)

    def describe(self, value: str) -> str:
        return f"postcode starting {value}"

    def to_query(self, value: str) -> list[tuple[str, str]]:
        return [("postal_code", value)]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "postal_code": forms.CharField(
                label="Postal code starts with", required=False, max_length=20
            )
        }


class YesNoFilter(Filter):
    """One `yes`/`no` parameter; the value is "yes" or "no"."""

    label = ""
    yes_words = ""
    no_words = ""

    def parse(self, data: QueryData) -> str | None:
        answer = base.yes_no(data, self.params[0])
        return None if answer is None else ("yes" if answer else "no")

    def condition(self) -> Q:
        raise NotImplementedError

    def apply(
        self, queryset: QuerySet[Customer], value: str, *, org: Organization
    ) -> QuerySet[Customer]:
        if value == "yes":
            return queryset.filter(self.condition())
        return queryset.exclude(self.condition())

    def describe(self, value: str) -> str:
        return self.yes_words if value == "yes" else self.no_words

    def to_query(self, value: str) -> list[tuple[str, str]]:
        return [(self.params[0], value)]

    def form_fields(self) -> dict[str, forms.Field]:
        return {self.params[0]: base.yes_no_field(self.label)}


@register
class HasEmailFilter(YesNoFilter):
    key, params, label = "has_email", ("has_email",), "Has an email"
    yes_words, no_words = "with an email", "without an email"

    def condition(self) -> Q:
        return ~Q(email="")


@register
class HasPhoneFilter(YesNoFilter):
    key, params, label = "has_phone", ("has_phone",), "Has a phone"
    yes_words, no_words = "with a phone", "without a phone"

    def condition(self) -> Q:
        return ~Q(phone_mobile="") | ~Q(phone_home="") | ~Q(phone_work="")


@register
class EmailInvalidFilter(YesNoFilter):
    key, params, label = "email_invalid", ("email_invalid",), "Email bounced"
    yes_words, no_words = "with an invalid email", "without an invalid email"

    def condition(self) -> Q:
        return Q(email_invalid_at__isnull=False)
