"""The export pages (under /exports/) and the data log (/settings/data-log/).

Thin: every export page first asks `exports.require_export`, so a refusal is logged on the
page as on the API and the command line; the data log needs `transfer.data_log`."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from regulars.core.errors import DomainError, Gone, NotFound
from regulars.core.http import client_ip
from regulars.core.paging import paginate
from regulars.lists.list_state import column_setting_get, saved_view_get
from regulars.lists.services import matching_customers
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required
from regulars.transfer import data_log, export_selectors, exports
from regulars.transfer.export_forms import DataLogFilterForm, ExportForm
from regulars.transfer.export_serve import attachment
from regulars.transfer.models import ExportScope

LIST_PARAMS_SKIPPED = (
    *("ids", "all_matching", "query", "csrfmiddlewaretoken", "action", "view", "scope"),
    *("cursor", "page", "go", "format", "columns"),
)


def _ids(data: QueryDict) -> list[int]:
    return [int(v) for v in data.getlist("ids") if v.isascii() and v.isdigit() and len(v) < 16]


def _what(actor: Actor, data: QueryDict) -> dict[str, Any]:
    """What the page was opened for: the list's query, a saved view, ticked rows or all."""
    view_raw = data.get("view", "")
    if view_raw.isascii() and view_raw.isdigit() and len(view_raw) < 16:
        view = saved_view_get(org=actor.org, actor=actor, view_id=int(view_raw))
        customers, words = matching_customers(actor, view.query, field="view")
        return {
            "scope": ExportScope.VIEW,
            "customers": customers,
            "view": view,
            "columns": list(view.columns),
            "words": f"saved view “{view.name}”: {words}",
        }
    if data.get("scope") == ExportScope.ALL:
        return {"scope": ExportScope.ALL, "words": "all customers"}
    query = data.get("query")
    if query is None:
        kept = QueryDict("", mutable=True)
        for key in data:
            if key not in LIST_PARAMS_SKIPPED:
                kept.setlist(key, data.getlist(key))
        query = kept.urlencode()
    query = query.replace("\x00", "")
    ids = _ids(data)
    if ids and data.get("all_matching") != "1":
        return {"scope": ExportScope.SELECTION, "ids": ids, "words": f"{len(ids)} ticked customers"}
    customers, words = matching_customers(actor, query[:2000], field="query")
    return {
        "scope": ExportScope.LIST,
        "query": query[:2000],
        "words": words,
        "customers": customers,
    }


@staff_required()
def export_new(request: HttpRequest) -> HttpResponse:
    """The export form for a list, a view, ticked rows or everyone; posting it with `go`
    starts the export and shows the list of your exports."""
    actor = actor_of(request)
    data = request.POST if request.method == "POST" else request.GET
    go = request.method == "POST" and "go" in data  # a link can show the form, never export
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="an export")
    try:
        what = _what(actor, data)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("customers:list")
    available = export_selectors.export_columns(org=actor.org, actor=actor)
    chosen = what.get("columns") or list(column_setting_get(org=actor.org, actor=actor).columns)
    form = ExportForm(
        data if go else None,
        available=available,
        initial={"format": "csv", "columns": [k for k in chosen if k in available]},
    )
    if go and form.is_valid():
        try:
            run = _start(request, actor, what, form.cleaned_data)
        except NotFound:
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                f"Preparing your {run.format.upper()} file ({run.description}). "
                "It appears below, and we email you the link when it is ready.",
            )
            return redirect("exports:list")
    context = {"form": form, "what": what, "count": _count(actor, what)}
    return render(request, "transfer/export_new.html", context, status=400 if form.errors else 200)


def _count(actor: Actor, what: dict[str, Any]) -> int | None:
    """How many customers the file will hold now (the list's or view's query, parsed once
    in `_what`)."""
    if what["scope"] == ExportScope.SELECTION:
        return len(set(what["ids"]))
    if what["scope"] == ExportScope.ALL:
        return export_selectors.resolve_target(
            actor=actor, scope=ExportScope.ALL, query="", selection_id=None
        ).customers.count()
    return int(what["customers"].count())


def _start(
    request: HttpRequest, actor: Actor, what: dict[str, Any], cleaned: dict[str, Any]
) -> Any:
    ask = exports.ExportAsk(
        scope=what["scope"],
        file_format=cleaned["format"],
        query=what.get("query", ""),
        view_id=what["view"].pk if what["scope"] == ExportScope.VIEW else None,
        ids=what.get("ids"),
        columns=cleaned["columns"],
    )
    return exports.export_request(org=actor.org, actor=actor, ask=ask, ip=client_ip(request))


@staff_required()
def export_list(request: HttpRequest) -> HttpResponse:
    """Your exports, newest first, with progress while they are made."""
    actor = actor_of(request)
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="exports")
    mine = export_selectors.export_list_own(org=actor.org, actor=actor)
    return render(
        request, "transfer/export_list.html", {"page": paginate(request, mine, per_page=25)}
    )


@staff_required()
def export_row(request: HttpRequest, export_id: int) -> HttpResponse:
    """One export's row, polled while its file is made."""
    actor = actor_of(request)
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="an export")
    run = export_selectors.export_get_own(org=actor.org, actor=actor, export_id=export_id)
    return render(request, "transfer/_export_row.html", {"run": run})


@staff_required()
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the file itself once ready (logged), a progress page before."""
    actor = actor_of(request)
    try:
        run, handle = exports.export_download(
            org=actor.org, actor=actor, ip=client_ip(request), token=token
        )
    except Gone as exc:
        return render(request, "errors/410.html", {"detail": exc.detail}, status=410)
    except DomainError as exc:
        if exc.status != 409:
            raise
        waiting = export_selectors.export_get_own(org=actor.org, actor=actor, token=token)
        return render(request, "transfer/export_waiting.html", {"run": waiting})
    # staff_required is typed for HttpResponse; a file response is one to Django.
    return cast(HttpResponse, attachment(run, handle))


@staff_required(Cap.DATA_LOG_VIEW)
def data_log_page(request: HttpRequest) -> HttpResponse:
    """Who took which customers' data, and when: filterable by person, day and event."""
    actor = actor_of(request)
    people = data_log.data_log_people(org=actor.org, actor=actor)
    form = DataLogFilterForm(request.GET or None, people=people)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    entries = data_log.data_log_list(org=actor.org, actor=actor, **filters)
    page = paginate(request, entries, per_page=50)
    context = {"form": form, "page": page, "filtering": bool(filters)}
    return render(request, "transfer/data_log.html", context, status=status)
