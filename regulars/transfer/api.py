"""/api/v1/imports: upload, map, check (dry run), import, undo; rows and rejected rows."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from regulars.core.api import ERRORS, WRITE_ERRORS
from regulars.core.schemas import DEFAULT_LIMIT, Limit, Page, PathId, Text100
from regulars.tenancy.http import actor_of
from regulars.transfer import selectors, services
from regulars.transfer.models import ImportRun, RowOutcome
from regulars.transfer.presenters import import_out, rejected_csv_lines, sample_csv
from regulars.transfer.schemas import (
    ImportOut,
    ImportPatch,
    ImportRowOut,
    MappingSaveIn,
    SavedMappingOut,
)

router = Router(tags=["imports"])


def _run(request: HttpRequest, import_id: int) -> tuple[Any, ImportRun]:
    actor = actor_of(request)
    run = selectors.import_get_for_actor(org=actor.org, actor=actor, run_id=import_id)
    return actor, selectors.import_settle(run)


@router.get("/imports/sample.csv", response={200: None, **ERRORS})
def import_sample(request: HttpRequest) -> HttpResponse:
    """A CSV with every importable column and one example row."""
    actor_of(request)
    response = HttpResponse(sample_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="regulars-import-sample.csv"'
    return response


@router.post("/imports", response={201: ImportOut, **WRITE_ERRORS})
def import_create(
    request: HttpRequest, file: File[UploadedFile], sheet: Form[Text100 | None] = None
) -> Any:
    """Uploads a CSV, XLSX or vCard file; answers with its headers and the suggested mapping.
    Nothing is imported until `review` and then `start`."""
    actor = actor_of(request)
    run = services.import_upload(
        org=actor.org,
        actor=actor,
        content=file,
        name=file.name or "upload",
        size=file.size,
        sheet=sheet,
    )
    return Status(201, import_out(run))


@router.get("/imports", response={200: Page[ImportOut], **ERRORS})
def import_list(
    request: HttpRequest, cursor: Text100 | None = None, limit: Limit = DEFAULT_LIMIT
) -> Any:
    """The organization's imports, newest first."""
    from regulars.core.schemas import cursor_page

    actor = actor_of(request)
    page = cursor_page(
        selectors.import_list(org=actor.org, actor=actor),
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    page["items"] = [import_out(run) for run in page["items"]]
    return page


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS})
def import_get(request: HttpRequest, import_id: PathId) -> Any:
    _actor, run = _run(request, import_id)
    return import_out(run)


@router.patch("/imports/{import_id}", response={200: ImportOut, **WRITE_ERRORS})
def import_update(request: HttpRequest, import_id: PathId, payload: ImportPatch) -> Any:
    """Changes the mapping, mode, keys or options; the check must then run again."""
    actor = actor_of(request)
    run = services.import_configure(
        org=actor.org,
        actor=actor,
        run_id=import_id,
        mapping=[m.dict() for m in payload.mapping] if payload.mapping is not None else None,
        mode=payload.mode,
        match_keys=payload.match_keys,
        options=payload.options.dict() if payload.options is not None else None,
    )
    return import_out(run)


@router.post("/imports/{import_id}/review", response={202: ImportOut, **WRITE_ERRORS})
def import_review(request: HttpRequest, import_id: PathId) -> Any:
    """Starts the dry run over the whole file (a job); poll the import for its review."""
    actor = actor_of(request)
    run = services.import_review_start(org=actor.org, actor=actor, run_id=import_id)
    return Status(202, import_out(run))


@router.post("/imports/{import_id}/start", response={202: ImportOut, **WRITE_ERRORS})
def import_start(request: HttpRequest, import_id: PathId) -> Any:
    """Imports what the last dry run showed (a job)."""
    actor = actor_of(request)
    run = services.import_start(org=actor.org, actor=actor, run_id=import_id)
    return Status(202, import_out(run))


@router.post("/imports/{import_id}/undo", response={202: ImportOut, **WRITE_ERRORS})
def import_undo(request: HttpRequest, import_id: PathId) -> Any:
    """Undoes the import (within 7 days); customers changed since are listed, not undone."""
    actor = actor_of(request)
    run = services.import_undo_start(org=actor.org, actor=actor, run_id=import_id)
    return Status(202, import_out(run))


@router.post("/imports/{import_id}/mapping", response={201: SavedMappingOut, **WRITE_ERRORS})
def import_mapping_save(request: HttpRequest, import_id: PathId, payload: MappingSaveIn) -> Any:
    """Keeps this import's mapping for the next file with the same headers."""
    actor = actor_of(request)
    saved = services.mapping_save(org=actor.org, actor=actor, run_id=import_id, name=payload.name)
    return Status(201, saved)


@router.get("/imports/{import_id}/rows", response={200: list[ImportRowOut], **ERRORS})
def import_rows(
    request: HttpRequest,
    import_id: PathId,
    outcome: RowOutcome | None = None,
    after: Annotated[int, Field(ge=0, le=10**9)] = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Any:
    """Rows of the import as it left them, in file order, after row number `after`."""
    _actor, run = _run(request, import_id)
    return selectors.import_rows(run=run, outcome=outcome, after=after, limit=limit)


@router.get("/imports/{import_id}/rejected.csv", response={200: None, **ERRORS})
def import_rejected(request: HttpRequest, import_id: PathId) -> StreamingHttpResponse:
    """The rejected rows in the file's own columns plus an "error" column: correct them
    and import this file to finish the job."""
    _actor, run = _run(request, import_id)
    response = StreamingHttpResponse(
        rejected_csv_lines(run), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-{run.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
