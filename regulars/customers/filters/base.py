"""The filter registry's frame: the `Filter` base, the `@register` decorator and `FilterSet`.

A filter reads its own query-string parameters, refuses bad values with a 400 naming the
parameter, narrows a queryset with conditions an (organization, …) index answers, says
itself in words and offers form fields for the list's filter panel. The list page, the API,
saved views, exports and bulk actions all parse filters here (`parse_filters`) and nowhere
else.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from regulars.core.errors import DomainError, FieldError
from regulars.customers.models import Customer
from regulars.tenancy.access import Actor
from regulars.tenancy.models import Organization

RAW_MAX = 2000  # characters of one parameter
LIST_MAX = 100  # items of one comma-separated list


class QueryData(Protocol):
    """A QueryDict, or anything with `getlist` (tests pass a QueryDict built from a string)."""

    def getlist(self, key: str, default: Any = ...) -> list[Any]: ...

    def __iter__(self) -> Any: ...


class Filter:
    """One filter of the customer list. Subclasses set `key`, `params` and override the
    four methods; an instance is bound to an organization and the acting staff member."""

    key: ClassVar[str] = ""
    params: tuple[str, ...] = ()
    # Shown as a removable chip above the list (status has its own control instead).
    chip: ClassVar[bool] = True

    def __init__(self, *, org: Organization, actor: Actor) -> None:
        self.org = org
        self.actor = actor

    def parse(self, data: QueryData) -> Any | None:
        """The filter's value from the query string; None when none of its params is set.

        Raises:
            DomainError: naming the parameter whose value is bad (a 400).
        """
        raise NotImplementedError

    def apply(
        self, queryset: QuerySet[Customer], value: Any, *, org: Organization
    ) -> QuerySet[Customer]:
        raise NotImplementedError

    def describe(self, value: Any) -> str:
        raise NotImplementedError

    def to_query(self, value: Any) -> list[tuple[str, str]]:
        """The canonical (param, value) pairs that parse back to `value`."""
        raise NotImplementedError

    def form_fields(self) -> dict[str, forms.Field]:
        """Form fields for the filter panel, keyed by parameter (a range has two)."""
        return {}


FILTERS: list[type[Filter]] = []


F = TypeVar("F", bound=type[Filter])


def register(cls: F) -> F:
    """Adds a filter class to the registry; the panel shows filters in this order."""
    if any(existing.key == cls.key for existing in FILTERS):
        raise ValueError(f"Filter {cls.key!r} is registered twice.")
    FILTERS.append(cls)
    return cls


# Filters generated per organization (custom fields): a function of (org, actor).
GENERATORS: list[Callable[[Organization, Actor], list[Filter]]] = []


def filters_for(*, org: Organization, actor: Actor) -> list[Filter]:
    """Every filter of the organization: the registered ones, then its custom fields."""
    bound = [cls(org=org, actor=actor) for cls in FILTERS]
    for generate in GENERATORS:
        bound.extend(generate(org, actor))
    return bound


# ------------------------------------------------------------------ value helpers


def raw(data: QueryData, param: str) -> str | None:
    """The parameter's value (repeated params joined by commas), or None if absent/blank."""
    values = [str(v).strip() for v in data.getlist(param) if str(v).strip()]
    if not values:
        return None
    text = ",".join(values)
    if len(text) > RAW_MAX or "\x00" in text:
        raise DomainError.for_field(param, f"At most {RAW_MAX:,} characters, no NUL.")
    return text


def items(data: QueryData, param: str) -> list[str] | None:
    """A comma-separated list, de-duplicated in order; None if absent."""
    text = raw(data, param)
    if text is None:
        return None
    parts = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    if len(parts) > LIST_MAX:
        raise DomainError.for_field(param, f"At most {LIST_MAX} values.")
    return parts or None


def ids(data: QueryData, param: str) -> list[int] | None:
    parts = items(data, param)
    if parts is None:
        return None
    if not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        raise DomainError.for_field(param, "Enter ids as whole numbers separated by commas.")
    return [int(p) for p in parts]


def integer(data: QueryData, param: str, *, low: int, high: int) -> int | None:
    text = raw(data, param)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and low <= int(text) <= high):
        raise DomainError.for_field(param, f"Enter a whole number from {low} to {high}.")
    return int(text)


def day(data: QueryData, param: str) -> date | None:
    text = raw(data, param)
    if text is None:
        return None
    try:
        value = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        value = None
    if value is None or not 1800 <= value.year <= 2200:
        raise DomainError.for_field(param, "Enter a date as YYYY-MM-DD.")
    return value


YES = ("yes", "true", "1")
NO = ("no", "false", "0")


def yes_no(data: QueryData, param: str) -> bool | None:
    text = raw(data, param)
    if text is None:
        return None
    word = text.casefold()
    if word not in YES + NO:
        raise DomainError.for_field(param, "Enter yes or no.")
    return word in YES


def choices(data: QueryData, param: str, allowed: Mapping[str, str]) -> list[str] | None:
    parts = items(data, param)
    if parts is None:
        return None
    bad = [p for p in parts if p not in allowed]
    if bad:
        raise DomainError.for_field(
            param, f"Unknown value {bad[0][:50]!r}; choose from {', '.join(allowed)}."
        )
    return parts


def local_today(org: Organization) -> date:
    """Today in the organization's time zone (ages and birthdays turn over at its midnight)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def local_midnight(org: Organization, value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=zoneinfo.ZoneInfo(org.time_zone))


def next_day(value: date) -> date:
    return value + timedelta(days=1)


def or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def shown_day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def yes_no_field(label: str) -> forms.Field:
    return forms.ChoiceField(
        label=label, required=False, choices=[("", "Any"), ("yes", "Yes"), ("no", "No")]
    )


# ------------------------------------------------------------------ the set


@dataclass(frozen=True)
class Chip:
    text: str
    remove_query: str  # the list's query string without this filter


@dataclass(frozen=True)
class FilterSet:
    """The filters a request chose, in registry order, with their parsed values."""

    org: Organization
    active: tuple[tuple[Filter, Any], ...] = ()
    all_filters: tuple[Filter, ...] = field(default=(), repr=False)

    def apply(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        for flt, value in self.active:
            queryset = flt.apply(queryset, value, org=self.org)
        return queryset

    def value(self, key: str) -> Any | None:
        return next((v for f, v in self.active if f.key == key), None)

    @property
    def status(self) -> str:
        """active (the default working list), deactivated or all."""
        return str(self.value("status") or "active")

    def describe(self) -> str:
        """The filters in words: "in category VIP, aged 30–45, in NSW"."""
        return ", ".join(f.describe(v) for f, v in self.active)

    def pairs(self, *, without: Filter | None = None) -> list[tuple[str, str]]:
        return [pair for f, v in self.active if f is not without for pair in f.to_query(v)]

    def to_query(self) -> str:
        """The canonical query string (registry order), for saved views, links and cursors."""
        return urlencode(self.pairs())

    def chips(self) -> list[Chip]:
        return [
            Chip(f.describe(v), urlencode(self.pairs(without=f))) for f, v in self.active if f.chip
        ]

    def form(self) -> forms.Form:
        """The filter panel: every filter's fields, filled with the current values."""
        panel = forms.Form(initial=dict(self.pairs()))
        for flt in self.all_filters:
            panel.fields.update(flt.form_fields())
        for name, value in self.pairs():
            if isinstance(panel.fields.get(name), forms.MultipleChoiceField):
                panel.initial[name] = value.split(",")
        return panel


# Parameters of the list that are not filters.
NOT_FILTERS = frozenset({"q", "sort", "cursor", "limit", "page", "columns"})


def parse_filters(*, org: Organization, actor: Actor, data: QueryData) -> FilterSet:
    """Every filter set in `data`; one 400 naming each bad parameter.

    Raises:
        DomainError: a value is bad, an id is not the organization's, or a custom field
            parameter names no field or operator.
    """
    bound = filters_for(org=org, actor=actor)
    active: list[tuple[Filter, Any]] = []
    errors: list[FieldError] = []
    for flt in bound:
        try:
            value = flt.parse(data)
        except DomainError as exc:
            errors.extend(exc.errors or [FieldError(flt.key, exc.detail)])
            continue
        if value is not None:
            active.append((flt, value))
    known = {p for flt in bound for p in flt.params}
    errors.extend(
        FieldError(name, "No custom field or operator has this name.")
        for name in data
        if name.startswith("cf_") and name not in known
    )
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)
    return FilterSet(org=org, active=tuple(active), all_filters=tuple(bound))
