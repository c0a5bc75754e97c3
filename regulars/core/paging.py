"""Page-number paging and sorting for HTML lists (the API uses cursors instead)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE
) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def sort(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    allowed: dict[str, tuple[str, ...]],
    default: str,
) -> tuple[QuerySet[Any], str]:
    """`?sort=name` or `?sort=-name` over a whitelist; unknown keys fall back to the default."""
    key = request.GET.get("sort", default)
    bare = key.removeprefix("-")
    if bare not in allowed:
        key, bare = default, default.removeprefix("-")
    fields = allowed[bare]
    if key.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return queryset.order_by(*fields, "pk"), key
