"""Saved views and column settings: writes and reads (one small module: they are two rows)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict

from regulars.audit.services import audit_record
from regulars.core.errors import DomainError, Forbidden, NotFound
from regulars.core.text import query_text
from regulars.customers.columns import columns_for, parse_sort
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.filters.base import parse_filters
from regulars.lists.models import MAX_LOCKED, ColumnSetting, SavedView
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope

DEFAULT_COLUMNS = ["name", "account_number", "email", "phone_mobile", "categories", "created_at"]
VIEW_PARAMS = ("q", "sort")  # besides the filters


def _user(actor: Actor) -> Any:
    if actor.user is None:
        raise DomainError.for_field(
            "user", "Saved views and columns belong to a staff member; use a staff login."
        )
    return actor.user


def _clean_columns(org: Organization, actor: Actor, columns: Any, *, field: str) -> list[str]:
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise DomainError.for_field(field, "Give the columns as a list of column keys.")
    known = columns_for(custom_fields=list(custom_field_list(org=org, actor=actor)))
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise DomainError.for_field(field, f"Unknown columns: {', '.join(unknown[:5])}.")
    if len(set(columns)) != len(columns):
        raise DomainError.for_field(field, "A column is listed twice.")
    return list(columns)


def clean_view_query(org: Organization, actor: Actor, query: str) -> str:
    """The query as the list reads it: every filter, the search and the sort checked, put
    in canonical order (a view saved from a tampered URL is refused, naming `query`)."""
    data = QueryDict(query)
    try:
        filters = parse_filters(org=org, actor=actor, data=data)
        sort = parse_sort(data.get("sort")) if data.get("sort") else None
    except DomainError as exc:
        names = ", ".join(e.field for e in exc.errors) or "query"
        raise DomainError.for_field("query", f"The view's query is not valid ({names}).") from exc
    canonical = filters.to_query()
    extra = QueryDict("", mutable=True)
    if data.get("q"):
        extra["q"] = query_text(data["q"])
    if sort is not None:
        extra["sort"] = sort.key
    joined = "&".join(part for part in (extra.urlencode(), canonical) if part)
    return joined[:2000]


def saved_view_list(*, org: Organization, actor: Actor) -> QuerySet[SavedView]:
    """The actor's own views and the organization's shared ones, by name."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    mine = Q(owner_id=actor.user.pk) if actor.user is not None else Q(pk__in=[])
    return SavedView.objects.filter(mine | Q(shared=True)).order_by("name", "id")


def saved_view_get(*, org: Organization, actor: Actor, view_id: int) -> SavedView:
    view = saved_view_list(org=org, actor=actor).filter(pk=view_id).first()
    if view is None:
        raise NotFound()
    return view


def _own(org: Organization, actor: Actor, view_id: int) -> SavedView:
    view = saved_view_get(org=org, actor=actor, view_id=view_id)
    if actor.user is None or view.owner_id != actor.user.pk:
        raise Forbidden(
            detail="Only the person who saved this view can change it; save a copy instead."
        )
    return view


def saved_view_get_own(*, org: Organization, actor: Actor, view_id: int) -> SavedView:
    """A view for its owner to change: NotFound when the actor cannot see it, Forbidden when
    it is someone else's shared view (the edit page asks before showing a form)."""
    return _own(org, actor, view_id)


def _save_view(view: SavedView) -> None:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as exc:
        raise DomainError.for_field(
            "name", f"You already have a view named {view.name!r}."
        ) from exc


@transaction.atomic
def saved_view_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> SavedView:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    name = str(data.get("name") or "").strip()
    if not name:
        raise DomainError.for_field("name", "Name the view.")
    view = SavedView(
        organization=org,
        owner=_user(actor),
        name=name[:100],
        query=clean_view_query(org, actor, str(data.get("query") or "")),
        columns=_clean_columns(org, actor, data.get("columns") or [], field="columns"),
        shared=bool(data.get("shared", False)),
    )
    _save_view(view)
    audit_record(
        org=org,
        actor=actor,
        action="lists.saved_view.created",
        target=view,
        changes={"name": view.name, "query": view.query, "shared": view.shared},
    )
    return view


@transaction.atomic
def saved_view_update(
    *, org: Organization, actor: Actor, view_id: int, data: dict[str, Any]
) -> SavedView:
    view = _own(org, actor, view_id)
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            raise DomainError.for_field("name", "Name the view.")
        view.name = name[:100]
    if "query" in data:
        view.query = clean_view_query(org, actor, str(data["query"] or ""))
    if "columns" in data:
        view.columns = _clean_columns(org, actor, data["columns"] or [], field="columns")
    if "shared" in data:
        view.shared = bool(data["shared"])
    _save_view(view)
    audit_record(org=org, actor=actor, action="lists.saved_view.updated", target=view)
    return view


@transaction.atomic
def saved_view_delete(*, org: Organization, actor: Actor, view_id: int) -> None:
    view = _own(org, actor, view_id)
    audit_record(org=org, actor=actor, action="lists.saved_view.deleted", target=view)
    view.delete()


def column_setting_get(*, org: Organization, actor: Actor) -> ColumnSetting:
    """The actor's columns (not saved until they change them: the defaults)."""
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    found = (
        ColumnSetting.objects.filter(user_id=actor.user.pk).first()
        if actor.user is not None
        else None
    )
    return found or ColumnSetting(organization=org, columns=list(DEFAULT_COLUMNS), locked=1)


@transaction.atomic
def column_setting_set(
    *, org: Organization, actor: Actor, columns: Any, locked: Any
) -> ColumnSetting:
    assert_in_scope(org)
    actor.require(Cap.CUSTOMERS_VIEW)
    user = _user(actor)
    cleaned = _clean_columns(org, actor, columns, field="columns")
    if not cleaned:
        raise DomainError.for_field("columns", "Show at least one column.")
    if isinstance(locked, bool) or not isinstance(locked, int) or not 0 <= locked <= MAX_LOCKED:
        raise DomainError.for_field("locked", f"Lock from 0 to {MAX_LOCKED} leading columns.")
    if locked > len(cleaned):
        raise DomainError.for_field("locked", "Lock no more columns than are shown.")
    setting, _created = ColumnSetting.objects.update_or_create(
        user=user, defaults={"columns": cleaned, "locked": locked}
    )
    return setting
