"""/api/v1/exports (ask for a file, follow it, download it) and /api/v1/data-log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Router, Status

from regulars.core.api import DOWNLOAD_ERRORS, ERRORS, WRITE_ERRORS
from regulars.core.http import client_ip
from regulars.core.schemas import DEFAULT_LIMIT, Day, Limit, Page, PathId, Text100, cursor_page
from regulars.tenancy.http import actor_of
from regulars.transfer import data_log, export_selectors, exports
from regulars.transfer.export_schemas import DataLogOut, ExportColumnOut, ExportIn, ExportOut
from regulars.transfer.export_serve import attachment
from regulars.transfer.models import DataLogEvent, ExportRun

router = Router(tags=["exports"])


def export_out(run: ExportRun) -> dict[str, Any]:
    ready = run.shown_status == "ready"
    return {
        **{f: getattr(run, f) for f in ExportOut.model_fields if hasattr(run, f)},
        "status": run.shown_status,
        "download_url": f"/api/v1/exports/{run.pk}/download" if ready else None,
        "link": f"{settings.SITE_URL}/exports/{run.token}/",
        "job": run.job,
    }


@router.get("/exports/columns", response={200: list[ExportColumnOut], **ERRORS})
def export_column_list(request: HttpRequest) -> Any:
    """The columns a file can hold (the list's, custom fields, consent, history figures)."""
    actor = actor_of(request)
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="the columns")
    columns = export_selectors.export_columns(org=actor.org, actor=actor)
    return [
        {"key": c.key, "label": c.label, "kind": c.cell.kind if c.cell else ""}
        for c in columns.values()
    ]


@router.post("/exports", response={202: ExportOut, **WRITE_ERRORS})
def export_create(request: HttpRequest, payload: ExportIn) -> Any:
    """Starts an export (a job) of a list, a saved view, a selection or everyone. Poll the
    export until `status` is `ready`, then GET its `download_url` with the same key."""
    actor = actor_of(request)
    ask = exports.ExportAsk(
        scope=payload.scope,
        file_format=payload.format,
        query=payload.query,
        view_id=payload.view_id,
        selection_id=payload.selection_id,
        ids=payload.ids,
        columns=payload.columns,
    )
    run = exports.export_request(org=actor.org, actor=actor, ask=ask, ip=client_ip(request))
    return Status(202, export_out(run))


@router.get("/exports", response={200: Page[ExportOut], **ERRORS})
def export_list(
    request: HttpRequest, cursor: Text100 | None = None, limit: Limit = DEFAULT_LIMIT
) -> Any:
    """Your own exports, newest first."""
    actor = actor_of(request)
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="exports")
    page = cursor_page(
        export_selectors.export_list_own(org=actor.org, actor=actor),
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    page["items"] = [export_out(run) for run in page["items"]]
    return page


@router.get("/exports/{export_id}", response={200: ExportOut, **ERRORS})
def export_get(request: HttpRequest, export_id: PathId) -> Any:
    actor = actor_of(request)
    exports.require_export(org=actor.org, actor=actor, ip=client_ip(request), what="an export")
    run = export_selectors.export_get_own(org=actor.org, actor=actor, export_id=export_id)
    return export_out(run)


@router.get("/exports/{export_id}/download", response={200: None, **DOWNLOAD_ERRORS})
def export_download(request: HttpRequest, export_id: PathId) -> FileResponse:
    """The file, as an attachment (logged). 409 while it is made; 410 once expired."""
    actor = actor_of(request)
    run, handle = exports.export_download(
        org=actor.org, actor=actor, ip=client_ip(request), export_id=export_id
    )
    return attachment(run, handle)


@router.get("/data-log", response={200: Page[DataLogOut], **ERRORS})
def data_log_list(
    request: HttpRequest,
    user_id: PathId | None = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
    event: DataLogEvent | None = None,
    cursor: Text100 | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Every export, refusal and download, newest first (owners). Days are the
    organization's, both ends included."""
    actor = actor_of(request)
    entries = data_log.data_log_list(
        org=actor.org,
        actor=actor,
        user_id=user_id,
        day_from=date_from,
        day_to=date_to,
        event=event,
    )
    return cursor_page(entries, cursor=cursor, limit=limit, newest_first=True)
