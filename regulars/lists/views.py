"""The list's pages that keep something: the bulk action (confirm, then do it), each
member's columns, saved views; and the member's layout that the customer list shows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError, NotFound
from regulars.customers.columns import Column, columns_for
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.list_views import ListLayout, list_layout_provide
from regulars.customers.selectors import category_list
from regulars.lists import list_state, services
from regulars.lists.forms import BulkForm, SavedViewEditForm, SavedViewForm
from regulars.lists.models import MAX_LOCKED, SavedView
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required


def _ids(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("ids")
    return [int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 16]


@staff_required(Cap.CUSTOMERS_EDIT)
def bulk(request: HttpRequest) -> HttpResponse:
    """POST from the list (ids, or "all matching" with the list's query) shows the confirm
    page; POST with `go` snapshots the customers and acts: at once, or as a job."""
    actor = actor_of(request)
    if request.method != "POST":
        return redirect("customers:list")
    query = request.POST.get("query", "")[:2000]
    all_matching = request.POST.get("all_matching") == "1"
    ids = _ids(request)
    try:
        customers, description = services.matching_customers(actor, query, field="query")
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("customers:list")
    count = customers.count() if all_matching else len(set(ids))
    form = BulkForm(
        request.POST if "go" in request.POST else None,
        initial={"action": request.POST.get("action", "add_category")},
        categories=list(category_list(org=actor.org, actor=actor)),
    )
    if not count:
        messages.error(request, "Choose customers first: tick rows, or “all matching”.")
        return redirect(f"/customers/?{QueryDict(query).urlencode()}")
    if "go" in request.POST and form.is_valid():
        try:
            # One transaction: a category made on the spot goes away if the rest fails.
            with transaction.atomic():
                action = services.bulk_prepare(
                    org=actor.org,
                    actor=actor,
                    action=form.cleaned_data["action"],
                    params=form.params(),
                )
                selection = (
                    services.selection_from_queryset(
                        org=actor.org, actor=actor, customers=customers, description=description
                    )
                    if all_matching
                    else services.selection_from_ids(org=actor.org, actor=actor, ids=ids)
                )
                outcome = services.bulk_start(
                    org=actor.org, actor=actor, selection=selection, action=action
                )
        except NotFound:
            raise  # a view of someone else's, or of another organization: 404
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if outcome.job is not None:
                return redirect("jobs:detail", job_id=outcome.job.pk)
            tally = outcome.tally.as_dict() if outcome.tally else {}
            messages.success(
                request,
                f"{action.describe()}: {tally.get('changed', 0)} changed, "
                f"{tally.get('unchanged', 0)} unchanged, {tally.get('skipped', 0)} skipped.",
            )
            return redirect(f"/customers/?{QueryDict(query).urlencode()}")
    context = {
        "form": form,
        "count": count,
        "description": description if all_matching else "chosen by hand",
        "ids": ids,
        "all_matching": all_matching,
        "query": query,
        "inline_max": services.INLINE_MAX,
    }
    return render(request, "lists/bulk_confirm.html", context)


# ------------------------------------------------------------------ the member's layout


def _view_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and len(raw) < 16):
        raise DomainError.for_field("view", "Open a saved view by its number, from the Views menu.")
    return int(raw)


def _open_view(actor: Actor, data: QueryDict) -> SavedView | None:
    """The saved view a list address names (`view=<id>`): NotFound for another member's
    private view or another organization's, 400 naming `view` for a malformed one."""
    raw = data.get("view")
    if raw is None:
        return None
    return list_state.saved_view_get(org=actor.org, actor=actor, view_id=_view_id(raw))


def _on_screen(actor: Actor, view: SavedView | None) -> tuple[list[str], int]:
    """The columns the list shows: the open view's own, else the member's; and the member's
    locked count."""
    setting = list_state.column_setting_get(org=actor.org, actor=actor)
    columns = list(view.columns) if view is not None and view.columns else list(setting.columns)
    return columns, setting.locked


def _view_url(view: SavedView) -> str:
    query = "&".join(p for p in (view.query, urlencode({"view": view.pk})) if p)
    return f"{reverse('customers:list')}?{query}"


@list_layout_provide
def list_layout(request: HttpRequest, actor: Actor, columns: dict[str, Column]) -> ListLayout:
    """The member's columns (or the open view's) and the Views menu and Columns panel."""
    view = _open_view(actor, request.GET)
    keys, locked = _on_screen(actor, view)
    shown = [k for k in keys if k in columns]
    views = list(list_state.saved_view_list(org=actor.org, actor=actor))
    mine = [v for v in views if actor.user is not None and v.owner_id == actor.user.pk]
    return ListLayout(
        columns=tuple(shown),
        locked=locked,
        view_query=view.query if view is not None else None,
        context={
            "current_view": view,
            "views_mine": mine,
            "views_shared": [v for v in views if v not in mine],
            "column_rows": _column_rows(columns, shown),
            "locked_setting": min(locked, len(shown)),
            "locked_choices": range(MAX_LOCKED + 1),
            "panel": request.GET.get("panel", ""),
        },
    )


def _column_rows(columns: dict[str, Column], shown: list[str]) -> list[dict[str, Any]]:
    """The Columns panel: shown columns in their order, then the rest in registry order."""
    order = [*shown, *(k for k in columns if k not in shown)]
    return [{"key": k, "label": columns[k].label, "shown": k in shown} for k in order]


def _next_url(raw: str, request: HttpRequest) -> str:
    """Back to the list the form came from: only the customer list itself, on this site."""
    list_path = reverse("customers:list")
    if "\x00" in raw or not url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return list_path
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path != list_path:
        return list_path
    return f"{list_path}?{parts.query}" if parts.query else list_path


def _without(url: str, *names: str) -> str:
    parts = urlsplit(url)
    data = QueryDict(parts.query, mutable=True)
    for name in names:
        data.pop(name, None)
    return f"{parts.path}?{data.urlencode()}" if data else parts.path


def _moved(order: list[str], move: str) -> list[str]:
    """`up:<key>` / `down:<key>`: the Up/Down buttons without script (with script they move
    the row on the page and nothing is sent until Save)."""
    direction, _, key = move.partition(":")
    if key not in order or direction not in ("up", "down"):
        return order
    i = order.index(key)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return order
    moved = list(order)
    moved[i], moved[j] = moved[j], moved[i]
    return moved


def _locked(raw: str) -> Any:
    """The service names `locked` for anything but a small whole number."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else raw


@require_POST
@staff_required()
def columns_save(request: HttpRequest) -> HttpResponse:
    """Saves the member's columns: which show, in what order, how many are locked. With an
    open saved view of their own that has its own columns, the view takes them too; with
    someone else's, the list goes back to the member's own columns."""
    actor = actor_of(request)
    back = _next_url(request.POST.get("next", ""), request)
    ticked = request.POST.getlist("columns")
    order = request.POST.getlist("order") or ticked
    order = _moved(order, request.POST.get("move", ""))
    columns = [k for k in order if k in ticked] + [k for k in ticked if k not in order]
    locked = _locked(request.POST.get("locked", ""))
    try:
        view = _open_view(actor, QueryDict(urlsplit(back).query))
        with transaction.atomic():
            list_state.column_setting_set(
                org=actor.org, actor=actor, columns=columns, locked=locked
            )
            if view is not None and view.columns:
                if actor.user is not None and view.owner_id == actor.user.pk:
                    list_state.saved_view_update(
                        org=actor.org, actor=actor, view_id=view.pk, data={"columns": columns}
                    )
                else:
                    back = _without(back, "view")
    except NotFound:
        raise  # the list came from a view of someone else's, or of another organization
    except DomainError as exc:
        context = {
            "errors": exc.errors or [],
            "detail": exc.detail,
            "back": back,
            "column_rows": _posted_rows(actor, order, ticked),
            "locked_setting": request.POST.get("locked", ""),
            "locked_choices": range(MAX_LOCKED + 1),
        }
        return render(request, "lists/columns_form.html", context, status=400)
    messages.success(request, "Columns saved.")
    back = _without(back, "panel")
    if "move" in request.POST:  # without script: back with the panel open to move on
        joined = "&".join(p for p in (urlsplit(back).query, "panel=columns") if p)
        return redirect(f"{reverse('customers:list')}?{joined}#columns-panel")
    return redirect(back)


def _posted_rows(actor: Actor, order: list[str], ticked: list[str]) -> list[dict[str, Any]]:
    """The panel as it was sent, to correct it (unknown keys are left out)."""
    columns = columns_for(custom_fields=list(custom_field_list(org=actor.org, actor=actor)))
    rows = _column_rows(columns, [k for k in order if k in columns])
    for row in rows:
        row["shown"] = row["key"] in ticked
    return rows


# ------------------------------------------------------------------ saved views


@require_POST
@staff_required()
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """ "Save this view…": the list the member came from (search, filters, sort and the
    columns on screen), under a name, private or shared."""
    actor = actor_of(request)
    back = _next_url(request.POST.get("next", ""), request)
    query = QueryDict(urlsplit(back).query)
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            columns, _locked_now = _on_screen(actor, _open_view(actor, query))
            view = list_state.saved_view_create(
                org=actor.org,
                actor=actor,
                data={
                    "name": form.cleaned_data["name"],
                    "shared": form.cleaned_data["shared"],
                    "query": query.urlencode(),
                    "columns": columns,
                },
            )
        except NotFound:
            raise  # a view of someone else's, or of another organization: 404
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"View “{view.name}” saved.")
            return redirect(_view_url(view))
    return render(request, "lists/saved_view_new.html", {"form": form, "back": back}, status=400)


@staff_required()
def saved_view_edit(request: HttpRequest, view_id: int) -> HttpResponse:
    """Rename a view, share or unshare it, or replace what it shows with the list the
    member came from. Only its owner: someone else's shared view answers 403."""
    actor = actor_of(request)
    view = list_state.saved_view_get_own(org=actor.org, actor=actor, view_id=view_id)
    source = request.POST if request.method == "POST" else request.GET
    back = _next_url(source.get("next", ""), request)
    form = SavedViewEditForm(
        request.POST if request.method == "POST" else None,
        initial={"name": view.name, "shared": view.shared},
    )
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {
            "name": form.cleaned_data["name"],
            "shared": form.cleaned_data["shared"],
        }
        try:
            if form.cleaned_data["replace"]:
                query = QueryDict(urlsplit(back).query)
                data["query"] = query.urlencode()
                data["columns"], _locked_now = _on_screen(actor, _open_view(actor, query))
            view = list_state.saved_view_update(
                org=actor.org, actor=actor, view_id=view.pk, data=data
            )
        except NotFound:
            raise  # a view of someone else's, or of another organization: 404
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"View “{view.name}” saved.")
            return redirect(_view_url(view))
    context = {"form": form, "view": view, "back": back, "view_url": _view_url(view)}
    status = 400 if request.method == "POST" else 200
    return render(request, "lists/saved_view_form.html", context, status=status)


@require_POST
@staff_required()
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    """Deletes one's own view (the page asks first); the list stays as it was, unnamed."""
    actor = actor_of(request)
    view = list_state.saved_view_get_own(org=actor.org, actor=actor, view_id=view_id)
    list_state.saved_view_delete(org=actor.org, actor=actor, view_id=view.pk)
    messages.success(request, f"View “{view.name}” deleted.")
    back = _next_url(request.POST.get("next", ""), request)
    return redirect(_without(back, "view"))
