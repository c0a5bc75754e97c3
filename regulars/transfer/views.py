"""The import pages (under /imports/): history and upload, one page per import that shows
what its status calls for (mapping, progress, review, result, undo report), the
confirmations, the rejected rows as a file, the help page and the sample file.

Thin: parse, call a service or selector, render. Every page needs `transfer.import`."""

from __future__ import annotations

import itertools
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from regulars.core.errors import DomainError
from regulars.core.paging import paginate
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.http import actor_of, staff_required
from regulars.transfer import selectors, services
from regulars.transfer.formats import DEFAULT_LIMITS, FileRefused
from regulars.transfer.forms import (
    MATCH_KEYS,
    OPTIONS,
    MappingForm,
    MappingNameForm,
    RowFilterForm,
    UploadForm,
)
from regulars.transfer.models import ImportMode, ImportRun, ImportStatus, RowOutcome
from regulars.transfer.presenters import current_job, rejected_csv_lines, sample_csv
from regulars.transfer.systems import BY_SYSTEM, SYSTEMS
from regulars.transfer.targets import BY_NAME, TARGETS

RUNNING = (ImportStatus.REVIEWING, ImportStatus.IMPORTING, ImportStatus.UNDOING)
EDITABLE = (ImportStatus.UPLOADED, ImportStatus.FAILED)
FINISHED = (ImportStatus.IMPORTED, ImportStatus.CANCELLED, ImportStatus.FAILED)
OUTCOMES = (
    ("created", "Created"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
    ("rejected", "Rejected"),
)
ROWS_PER_PAGE = 50
SAMPLE_VALUES = 3


def _run(actor: Actor, import_id: int) -> ImportRun:
    run = selectors.import_get_for_actor(org=actor.org, actor=actor, run_id=import_id)
    return selectors.import_settle(run)


def _counts(counts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The four outcomes with their share of the rows, for the big numbers and the bar."""
    counts = counts or {}
    total = sum(int(counts.get(key) or 0) for key, _label in OUTCOMES)
    return [
        {
            "key": key,
            "label": label,
            "count": int(counts.get(key) or 0),
            "percent": round(100 * int(counts.get(key) or 0) / total, 1) if total else 0,
        }
        for key, label in OUTCOMES
    ]


def _max_mb() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_LIMITS.max_bytes)) // 1048576


# ------------------------------------------------------------------ history and upload


@staff_required(Cap.TRANSFER_IMPORT)
def import_list(request: HttpRequest) -> HttpResponse:
    """GET: the history and the upload form. POST: upload; a refused file comes back with
    its reason on the file field (400)."""
    actor = actor_of(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = services.import_upload(
                    org=actor.org,
                    actor=actor,
                    content=upload,
                    name=upload.name or "upload",
                    size=upload.size,
                    sheet=form.cleaned_data["sheet"] or None,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return redirect("transfer:detail", import_id=run.pk)
        status = 400
    page = paginate(request, selectors.import_list(org=actor.org, actor=actor), per_page=25)
    rows = [
        {
            "run": run,
            "counts": run.counts or (run.review or {}).get("counts") or {},
            "checked_only": not run.counts and bool((run.review or {}).get("counts")),
        }
        for run in page
    ]
    context = {"form": form, "page": page, "rows": rows, "max_mb": _max_mb()}
    return render(request, "transfer/import_list.html", context, status=status)


# ------------------------------------------------------------------ one import


def _custom_fields(actor: Actor) -> list[tuple[str, str]]:
    return [(f.key, f.label) for f in custom_field_list(org=actor.org, actor=actor)]


def _samples(run: ImportRun) -> tuple[list[list[str]], str]:
    """The first values of each column, read from the stored file; or why they cannot be."""
    if run.file_deleted_at is not None or not run.file:
        return [[] for _ in run.headers], "The file was deleted after 30 days."
    try:
        rows = services.import_table(run).rows()
        try:
            first = [row.cells for row in itertools.islice(rows, SAMPLE_VALUES)]
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()
    except FileRefused as refused:
        return [[] for _ in run.headers], refused.reason
    except OSError:
        return [[] for _ in run.headers], "The file cannot be read any more; upload it again."
    return [
        [cells[i] if i < len(cells) else "" for cells in first] for i in range(len(run.headers))
    ], ""


def _mapping_page(
    request: HttpRequest,
    actor: Actor,
    run: ImportRun,
    form: MappingForm | None = None,
    name_form: MappingNameForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = MappingForm(run=run, custom_fields=_custom_fields(actor))
    samples, samples_problem = _samples(run)
    columns = [
        {
            "index": index,
            "header": header or f"Column {index + 1}",
            "samples": samples[index] if index < len(samples) else [],
            "field": form[f"target_{index}"],
        }
        for index, header in enumerate(run.headers)
    ]
    system = BY_SYSTEM.get(run.system)
    job = current_job(run)
    context = {
        "run": run,
        "form": form,
        "name_form": name_form or MappingNameForm(),
        "columns": columns,
        "samples_problem": samples_problem,
        "system": system.label if system else (run.system or ""),
        "option_fields": [form[name] for name, _label, _help in OPTIONS],
        "key_order": [dict(MATCH_KEYS).get(k, k) for k in run.match_keys],
        "job": job,
        "stopped": run.status == ImportStatus.FAILED
        or (job is not None and job.status in ("failed", "cancelled")),
        "partly_imported": run.status == ImportStatus.FAILED
        and bool(selectors.import_rows(run=run, limit=1)),
    }
    return render(request, "transfer/import_mapping.html", context, status=status)


def _configure(actor: Actor, run: ImportRun, form: MappingForm) -> ImportRun:
    return services.import_configure(
        org=actor.org,
        actor=actor,
        run_id=run.pk,
        mapping=form.mapping(),
        mode=form.cleaned_data["mode"],
        match_keys=form.match_keys_ordered(),
        options=form.options(),
    )


@staff_required(Cap.TRANSFER_IMPORT)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """One page that follows the import: the mapping (uploaded, failed), the progress
    (checking, importing, undoing), the review (checked), the result (imported,
    cancelled), the undo report (undone). POST: save the mapping and check the file."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    if run.status in EDITABLE:
        if request.method != "POST":
            return _mapping_page(request, actor, run)
        form = MappingForm(request.POST, run=run, custom_fields=_custom_fields(actor))
        if form.is_valid():
            try:
                run = _configure(actor, run, form)
                services.import_review_start(org=actor.org, actor=actor, run_id=run.pk)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                form.add_domain_error(exc)
            else:
                return redirect("transfer:detail", import_id=run.pk)
        return _mapping_page(request, actor, run, form=form, status=400)
    if request.method == "POST":
        messages.error(
            request,
            f"This import is {run.get_status_display().lower()}; its mapping can no longer "
            "change here.",
        )
        return redirect("transfer:detail", import_id=run.pk)
    context: dict[str, Any] = {"run": run, "job": current_job(run)}
    if run.status in RUNNING:
        return render(request, "transfer/import_running.html", context)
    if run.status == ImportStatus.REVIEWED:
        return render(request, "transfer/import_reviewed.html", {**context, **_review(run)})
    if run.status == ImportStatus.UNDONE:
        context["report"] = run.undo_report or {}
        return render(request, "transfer/import_undone.html", context)
    return render(request, "transfer/import_done.html", {**context, **_result(request, run)})


def _review(run: ImportRun) -> dict[str, Any]:
    review = run.review or {}
    sample = review.get("sample") or []
    headers = [c["header"] for c in sample[0]["cells"]] if sample else []
    system = BY_SYSTEM.get(run.system)
    return {
        "counts": _counts(review.get("counts")),
        "total": int(review.get("total") or 0),
        "to_import": sum(
            int((review.get("counts") or {}).get(k) or 0) for k in ("created", "updated")
        ),
        "sample": sample,
        "sample_headers": headers,
        "rejected": review.get("rejected") or [],
        "rejected_count": int((review.get("counts") or {}).get("rejected") or 0),
        "mode_label": ImportMode(run.mode).label,
        "keys_label": ", ".join(dict(MATCH_KEYS).get(k, k) for k in run.match_keys),
        "options_on": [label for name, label, _h in OPTIONS if (run.options or {}).get(name)],
        "system": system.label if system else "",
        "name_form": MappingNameForm(),
    }


def _undo_until(run: ImportRun) -> Any:
    if run.status not in FINISHED or run.imported_at is None:
        return None
    deadline = services.undo_deadline(run)
    return deadline if deadline > timezone.now() else None


def _result(request: HttpRequest, run: ImportRun) -> dict[str, Any]:
    filters = RowFilterForm(request.GET or None)
    outcome = ""
    after = 0
    if filters.is_valid():
        outcome = filters.cleaned_data["outcome"] or ""
        after = filters.cleaned_data["after"] or 0
    rows = selectors.import_rows(
        run=run, outcome=outcome or None, after=after, limit=ROWS_PER_PAGE + 1
    )
    more = len(rows) > ROWS_PER_PAGE
    rows = rows[:ROWS_PER_PAGE]
    prefetch_related_objects(rows, "customer")  # one query for the page's names
    return {
        "counts": _counts(run.counts),
        "rows": rows,
        "filters": filters,
        "outcome": outcome,
        "after": after,
        "next_after": rows[-1].number if more and rows else None,
        "last_number": rows[-1].number if rows else None,
        "undo_until": _undo_until(run),
        "has_rejected": bool(int((run.counts or {}).get("rejected") or 0)),
        "name_form": MappingNameForm(),
    }


@staff_required(Cap.TRANSFER_IMPORT)
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """Polled beside the progress bar: nothing while the job runs; when it has ended, htmx
    is told to reload the page, which then shows what the run came to."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("transfer:detail", import_id=run.pk)
    if run.status in RUNNING:
        return HttpResponse(status=204)
    response = HttpResponse("")
    response["HX-Refresh"] = "true"
    return response


@require_POST
@staff_required(Cap.TRANSFER_IMPORT)
def import_remap(request: HttpRequest, import_id: int) -> HttpResponse:
    """Change mapping: back to the mapping form; the file must be checked again."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    try:
        services.import_configure(org=actor.org, actor=actor, run_id=run.pk)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.detail)
    return redirect("transfer:detail", import_id=run.pk)


@require_POST
@staff_required(Cap.TRANSFER_IMPORT)
def mapping_save(request: HttpRequest, import_id: int) -> HttpResponse:
    """Save mapping as…: from the mapping form, the choices on screen are saved with the
    run first; from a checked or finished import, the mapping it used."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    name_form = MappingNameForm(request.POST)
    form = None
    if run.status in EDITABLE:
        form = MappingForm(request.POST, run=run, custom_fields=_custom_fields(actor))
    valid = name_form.is_valid() and (form is None or form.is_valid())
    if valid:
        try:
            if form is not None:
                run = _configure(actor, run, form)
            saved = services.mapping_save(
                org=actor.org, actor=actor, run_id=run.pk, name=name_form.cleaned_data["name"]
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            name_form.add_domain_error(exc)
            if form is not None:
                form.add_domain_error(exc)
        else:
            messages.success(
                request,
                f"Mapping saved as “{saved.name}”: a file with the same columns will start with it.",
            )
            return redirect("transfer:detail", import_id=run.pk)
    if form is not None:
        return _mapping_page(request, actor, run, form=form, name_form=name_form, status=400)
    for error in name_form["name"].errors:
        messages.error(request, str(error))
    return redirect("transfer:detail", import_id=run.pk)


@staff_required(Cap.TRANSFER_IMPORT)
def import_start(request: HttpRequest, import_id: int) -> HttpResponse:
    """GET: the confirmation page. POST: import what the check showed, as a job."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    if request.method == "POST":
        try:
            services.import_start(org=actor.org, actor=actor, run_id=run.pk)
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.detail)
        return redirect("transfer:detail", import_id=run.pk)
    if run.status != ImportStatus.REVIEWED:
        messages.error(request, "Check the file first, then import it.")
        return redirect("transfer:detail", import_id=run.pk)
    context = {"run": run, "undo_days": services.UNDO_DAYS, **_review(run)}
    return render(request, "transfer/import_confirm.html", context)


@staff_required(Cap.TRANSFER_IMPORT)
def import_undo(request: HttpRequest, import_id: int) -> HttpResponse:
    """GET: the confirmation page. POST: undo the import, as a job."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    if request.method == "POST":
        try:
            services.import_undo_start(org=actor.org, actor=actor, run_id=run.pk)
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.detail)
        return redirect("transfer:detail", import_id=run.pk)
    undo_until = _undo_until(run)
    if undo_until is None:
        messages.error(request, "This import cannot be undone (any more).")
        return redirect("transfer:detail", import_id=run.pk)
    context = {"run": run, "undo_until": undo_until, "counts": _counts(run.counts)}
    return render(request, "transfer/import_undo_confirm.html", context)


@staff_required(Cap.TRANSFER_IMPORT)
def import_rejected(request: HttpRequest, import_id: int) -> HttpResponse:
    """The rejected rows in the file's own columns plus "error": always a download."""
    actor = actor_of(request)
    run = _run(actor, import_id)
    response = StreamingHttpResponse(
        rejected_csv_lines(run), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-{run.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    # staff_required is typed for HttpResponse; a streaming response is one to Django.
    return cast(HttpResponse, response)


# ------------------------------------------------------------------ help and sample


@staff_required(Cap.TRANSFER_IMPORT)
def import_help(request: HttpRequest) -> HttpResponse:
    systems: dict[str, str] = {}
    for system in SYSTEMS:
        systems.setdefault(system.label.split(" (")[0], system.label)
    context = {
        "targets": TARGETS,
        "systems": list(systems),
        "modes": ImportMode.choices,
        "keys": [label for _key, label in MATCH_KEYS],
        "max_mb": _max_mb(),
        "max_rows": f"{DEFAULT_LIMITS.max_rows:,}",
        "max_columns": DEFAULT_LIMITS.max_columns,
        "undo_days": services.UNDO_DAYS,
        "keep_days": services.KEEP_FILES_DAYS,
        "repeatable": [t.label for t in TARGETS if t.repeatable],
        "consent_labels": [BY_NAME[n].label for n in ("email_consent", "sms_consent")],
        "outcomes": [label for _key, label in OUTCOMES],
        "row_outcomes": RowOutcome.choices,
    }
    return render(request, "transfer/import_help.html", context)


@staff_required(Cap.TRANSFER_IMPORT)
def import_sample(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(sample_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="regulars-import-sample.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
