"""Filters on who the customer is to the business: status, categories and locations.

Categories and locations are `id IN (link table subquery)`; the ids are checked against the
organization's own (and a location-limited member's own) rows first.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from regulars.core.errors import DomainError
from regulars.customers.filters import base
from regulars.customers.filters.base import Filter, QueryData, register
from regulars.customers.models import (
    Category,
    Customer,
    CustomerStatus,
)
from regulars.customers.selectors import category_list
from regulars.tenancy.models import Location, Organization
from regulars.tenancy.selectors import location_list

STATUS_VALUES = {"active": "active", "deactivated": "deactivated", "all": "active or deactivated"}


@register
class StatusFilter(Filter):
    """`status=active|deactivated|all`; absent means active (the working list)."""

    key = "status"
    params = ("status",)
    chip = False

    def parse(self, data: QueryData) -> str | None:
        values = base.choices(data, "status", STATUS_VALUES)
        if values is None:
            return None
        if len(values) > 1:
            raise DomainError.for_field("status", "Choose one of active, deactivated, all.")
        return values[0]

    def apply(
        self, queryset: QuerySet[Customer], value: str, *, org: Organization
    ) -> QuerySet[Customer]:
        if value == "all":
            return queryset
        return queryset.filter(status=CustomerStatus(value))

    def describe(self, value: str) -> str:
        return STATUS_VALUES[value]

    def to_query(self, value: str) -> list[tuple[str, str]]:
        return [("status", value)]


@register
class CategoryFilter(Filter):
    """`category__any`, `category__all`, `category__none`: comma-separated category ids."""

    key = "category"
    params = ("category__any", "category__all", "category__none")

    def _categories(self) -> dict[int, Category]:
        if not hasattr(self, "_cache"):
            self._cache = {c.pk: c for c in category_list(org=self.org, actor=self.actor)}
        return self._cache

    def parse(self, data: QueryData) -> dict[str, list[Category]] | None:
        value: dict[str, list[Category]] = {}
        for param in self.params:
            wanted = base.ids(data, param)
            if wanted is None:
                continue
            known = self._categories()
            unknown = [i for i in wanted if i not in known]
            if unknown:
                raise DomainError.for_field(param, f"No category has the id {unknown[0]}.")
            value[param.split("__")[1]] = [known[i] for i in wanted]
        return value or None

    def apply(
        self, queryset: QuerySet[Customer], value: dict[str, list[Category]], *, org: Organization
    ) -> QuerySet[Customer]:
        links = Customer.categories.through.objects
        if "any" in value:
            chosen = [c.pk for c in value["any"]]
            queryset = queryset.filter(
                id__in=links.filter(category_id__in=chosen).values("customer_id")
            )
        for category in value.get("all", []):
            queryset = queryset.filter(
                id__in=links.filter(category_id=category.pk).values("customer_id")
            )
        if "none" in value:
            chosen = [c.pk for c in value["none"]]
            queryset = queryset.exclude(
                id__in=links.filter(category_id__in=chosen).values("customer_id")
            )
        return queryset

    def describe(self, value: dict[str, list[Category]]) -> str:
        parts = []
        if "any" in value:
            names = [c.name for c in value["any"]]
            parts.append(f"in category {base.or_list(names)}")
        if "all" in value:
            names = [c.name for c in value["all"]]
            parts.append(
                f"in categories {base.and_list(names)}"
                if len(names) > 1
                else f"in category {names[0]}"
            )
        if "none" in value:
            names = [c.name for c in value["none"]]
            parts.append(f"not in category {base.or_list(names)}")
        return ", ".join(parts)

    def to_query(self, value: dict[str, list[Category]]) -> list[tuple[str, str]]:
        return [
            (f"category__{mode}", ",".join(str(c.pk) for c in value[mode]))
            for mode in ("any", "all", "none")
            if mode in value
        ]

    def form_fields(self) -> dict[str, forms.Field]:
        options = [(c.pk, c.name) for c in self._categories().values()]
        labels = {"any": "In any of", "all": "In all of", "none": "In none of"}
        return {
            f"category__{mode}": forms.MultipleChoiceField(
                label=f"Categories: {label.lower()}",
                required=False,
                choices=options,
                widget=forms.CheckboxSelectMultiple,
            )
            for mode, label in labels.items()
        }


@register
class LocationFilter(Filter):
    """`location`: comma-separated location ids; customers of all locations always match."""

    key = "location"
    params = ("location",)

    def _locations(self) -> dict[int, Location]:
        if not hasattr(self, "_cache"):
            self._cache = {loc.pk: loc for loc in location_list(org=self.org, actor=self.actor)}
        return self._cache

    def parse(self, data: QueryData) -> list[Location] | None:
        wanted = base.ids(data, "location")
        if wanted is None:
            return None
        known = self._locations()
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise DomainError.for_field("location", f"No location has the id {unknown[0]}.")
        return [known[i] for i in wanted]

    def apply(
        self, queryset: QuerySet[Customer], value: list[Location], *, org: Organization
    ) -> QuerySet[Customer]:
        links = Customer.locations.through.objects.filter(location_id__in=[x.pk for x in value])
        return queryset.filter(Q(all_locations=True) | Q(id__in=links.values("customer_id")))

    def describe(self, value: list[Location]) -> str:
        return f"at {base.or_list([x.name for x in value])}"

    def to_query(self, value: list[Location]) -> list[tuple[str, str]]:
        return [("location", ",".join(str(x.pk) for x in value))]

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "location": forms.MultipleChoiceField(
                label="Location",
                required=False,
                choices=[(x.pk, x.name) for x in self._locations().values()],
                widget=forms.CheckboxSelectMultiple,
            )
        }
