"""The customer list's filter registry: one small class per filter (see base.py).

Query grammar (docs/api.md has the full table): `category__any=3,7&age_min=30&state=NSW&
cf_shoe_size__gte=40`. Importing this package registers every filter, in the
order the panel shows and `describe()` says them (membership, dates, record, custom).
"""

from __future__ import annotations

# The import order is the registration order: the panel's and describe()'s order.
# isort: off
from regulars.customers.filters import membership
from regulars.customers.filters import dates
from regulars.customers.filters import record
from regulars.customers.filters import custom

# isort: on
from regulars.customers.filters.base import (
    FILTERS,
    Chip,
    Filter,
    FilterSet,
    filters_for,
    parse_filters,
    register,
)

__all__ = [
    "FILTERS",
    "Chip",
    "Filter",
    "FilterSet",
    "custom",
    "dates",
    "filters_for",
    "membership",
    "parse_filters",
    "record",
    "register",
]
