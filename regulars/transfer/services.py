"""Writes on imports: upload, mapping, the dry run, the import, undo, saved mappings.

A run moves uploaded → (reviewing) → reviewed → (importing) → imported → (undoing) →
undone; a changed mapping goes back to uploaded and needs a new dry run, so what is
imported is always what the user last reviewed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from regulars.audit.services import audit_record
from regulars.core.errors import Conflict, DomainError, FieldError
from regulars.customers.matching import KEYS
from regulars.customers.models import CustomField
from regulars.jobs.services import job_start
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope
from regulars.transfer.formats import DEFAULT_LIMITS, FileRefused, Table, open_table
from regulars.transfer.headers import suggest_mapping
from regulars.transfer.models import ImportMode, ImportRun, ImportStatus, SavedMapping
from regulars.transfer.selectors import import_get_for_actor, import_settle
from regulars.transfer.targets import BY_NAME, IGNORE, custom_key, is_custom

UNDO_DAYS = 7
KEEP_FILES_DAYS = 30
MATCH_DEFAULT_ORDER = ("external_id", "email", "phone", "account_number", "loyalty_card")
KEY_TARGETS = {
    "email": ("email",),
    "phone": ("phone", "phone_mobile", "phone_home", "phone_work"),
    "account_number": ("account_number",),
    "loyalty_card": ("loyalty_card",),
    "external_id": ("external_id",),
}
OPTIONS = ("fresh_consent", "blank_clears", "create_categories")


def import_path(run: ImportRun) -> Path:
    return Path(default_storage.path(run.file.name))


def import_table(run: ImportRun) -> Table:
    """The stored file, read with the sheet the run chose."""
    return open_table(import_path(run), name=run.original_name, sheet=run.sheet or None)


def _max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_LIMITS.max_bytes))


@transaction.atomic
def import_upload(
    *,
    org: Organization,
    actor: Actor,
    content: IO[bytes],
    name: str,
    size: int | None = None,
    sheet: str | None = None,
) -> ImportRun:
    """Stores the file (in the default storage, under the data folder, never served back),
    reads its headers and suggests a mapping. A file that cannot be read is refused here,
    with the reason, and not kept."""
    assert_in_scope(org)
    actor.require(Cap.TRANSFER_IMPORT)
    name = (name or "upload").replace("\x00", "")[-200:] or "upload"
    limit = _max_bytes()
    if size is not None and size > limit:
        raise DomainError.for_field(
            "file", f"The file is {size / 1048576:.1f} MB; the limit is {limit // 1048576} MB."
        )
    stored = default_storage.save(
        f"imports/{org.pk}/{uuid.uuid4().hex}/{get_valid_filename(name) or 'upload'}",
        File(content),
    )
    path = Path(default_storage.path(stored))
    try:
        if path.stat().st_size > limit:
            raise FileRefused(
                f"The file is larger than {limit // 1048576} MB; split it into smaller files."
            )
        table = open_table(path, name=name, sheet=sheet)
    except FileRefused as refused:
        default_storage.delete(stored)
        raise DomainError.for_field("file", refused.reason) from refused
    except BaseException:
        default_storage.delete(stored)
        raise
    fields = {f.key: f.label for f in CustomField.objects.all()}
    suggestion = suggest_mapping(table.headers, file_name=name, custom_fields=fields)
    mapping = [{"target": c.target, "type_column": c.type_column} for c in suggestion.columns]
    mode: str = ImportMode.BOTH
    options: dict[str, Any] = {}
    keys: list[str] | None = None
    saved = SavedMapping.objects.filter(headers=table.headers).order_by("-created_at").first()
    if saved is not None and len(saved.mapping) == len(table.headers):
        mapping, mode, options, keys = saved.mapping, saved.mode, saved.options, saved.match_keys
    run = ImportRun.objects.create(
        organization=org,
        original_name=name,
        file=stored,
        size=path.stat().st_size,
        format=table.format,
        encoding=table.encoding or "",
        delimiter=table.delimiter or "",
        sheet=table.sheet or "",
        sheets=table.sheets,
        headers=table.headers,
        system=suggestion.system or "",
        mapping=mapping,
        constant_consent=suggestion.constant_consent,
        mode=mode,
        match_keys=keys if keys is not None else default_match_keys(mapping),
        options=options,
        created_by=actor.user,
        created_by_label=actor.label[:254],
    )
    audit_record(
        org=org,
        actor=actor,
        action="transfer.import.uploaded",
        target=run,
        changes={"file": name, "size": run.size, "format": run.format, "system": run.system},
    )
    return run


def default_match_keys(mapping: Sequence[Mapping[str, Any]]) -> list[str]:
    targets = {m.get("target") for m in mapping}
    return [k for k in MATCH_DEFAULT_ORDER if targets & set(KEY_TARGETS[k])]


def clean_mapping(
    *, headers: Sequence[str], mapping: Any, custom_fields: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One entry per header; every target known; a single-valued target on one column."""
    if not isinstance(mapping, list) or len(mapping) != len(headers):
        raise DomainError.for_field(
            "mapping", f"Give one entry per column of the file ({len(headers)})."
        )
    cleaned: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    errors: list[FieldError] = []
    for index, entry in enumerate(mapping):
        if isinstance(entry, str):
            entry = {"target": entry}
        if not isinstance(entry, dict):
            errors.append(FieldError(f"mapping.{index}", "Give a target for this column."))
            continue
        target = str(entry.get("target") or IGNORE)
        type_column = entry.get("type_column")
        header = headers[index] or f"Column {index + 1}"
        if target != IGNORE and target not in BY_NAME and not is_custom(target):
            errors.append(FieldError(f"mapping.{index}", f"“{header}”: unknown target {target!r}."))
            continue
        if is_custom(target) and custom_key(target) not in custom_fields:
            errors.append(
                FieldError(
                    f"mapping.{index}",
                    f"“{header}”: there is no custom field “{custom_key(target)}”.",
                )
            )
            continue
        spec = BY_NAME.get(target)
        if target != IGNORE and not (spec and spec.repeatable):
            if target in used:
                errors.append(
                    FieldError(
                        f"mapping.{index}",
                        f"“{header}” and “{headers[used[target]]}” both go to "
                        f"{spec.label if spec else target}; ignore one of them.",
                    )
                )
                continue
            used[target] = index
        if type_column is not None and (
            not isinstance(type_column, int) or not 0 <= type_column < len(headers)
        ):
            type_column = None
        cleaned.append({"target": target, "type_column": type_column})
    if errors:
        raise DomainError(detail=errors[0].message, errors=errors)
    return cleaned


@transaction.atomic
def import_configure(
    *,
    org: Organization,
    actor: Actor,
    run_id: int,
    mapping: Any | None = None,
    mode: str | None = None,
    match_keys: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> ImportRun:
    """Changes what the import will do; the dry run must then run again."""
    run = _editable(org, actor, run_id)
    custom = {f.key: f for f in CustomField.objects.all()}
    if mapping is not None:
        run.mapping = clean_mapping(headers=run.headers, mapping=mapping, custom_fields=custom)
    if mode is not None:
        if mode not in ImportMode.values:
            raise DomainError.for_field("mode", "Choose add, update or both.")
        run.mode = mode
    if match_keys is not None:
        keys = [str(k).strip() for k in match_keys if str(k).strip()]
        unknown = [k for k in keys if k not in KEYS]
        if unknown:
            raise DomainError.for_field(
                "match_keys", f"Unknown key {unknown[0]!r}; choose from {', '.join(KEYS)}."
            )
        run.match_keys = list(dict.fromkeys(keys))
    if options is not None:
        run.options = {k: bool(options.get(k)) for k in OPTIONS}
    targets = {m.get("target") for m in run.mapping}
    missing = [k for k in run.match_keys if not targets & set(KEY_TARGETS[k])]
    if missing:
        raise DomainError.for_field(
            "match_keys",
            f"No column is mapped to {missing[0].replace('_', ' ')}, so it cannot "
            "be used to find existing customers.",
        )
    if run.mode != ImportMode.ADD and not run.match_keys:
        raise DomainError.for_field(
            "match_keys", "Choose at least one key (such as email) to find existing customers."
        )
    run.status = ImportStatus.UPLOADED
    run.review = {}
    run.save()
    return run


def _editable(org: Organization, actor: Actor, run_id: int) -> ImportRun:
    run = import_get_for_actor(org=org, actor=actor, run_id=run_id, for_update=True)
    actor.require(Cap.TRANSFER_IMPORT)
    import_settle(run)
    if run.rows.exists():
        raise Conflict(
            detail="Part of this file is imported already, so its mapping can no longer "
            "change. Finish the import, or undo it and upload the file again.",
            code="import_state",
        )
    if run.status not in (ImportStatus.UPLOADED, ImportStatus.REVIEWED, ImportStatus.FAILED):
        raise Conflict(
            detail=f"This import is {run.get_status_display().lower()}; its mapping can no "
            "longer change. Upload the file again to import it differently.",
            code="import_state",
        )
    if run.file_deleted_at is not None:
        raise Conflict(
            detail="The file was deleted after 30 days; upload it again.", code="file_gone"
        )
    return run


@transaction.atomic
def import_review_start(
    *, org: Organization, actor: Actor, run_id: int, enqueue: bool = True
) -> ImportRun:
    """Starts the dry run over the whole file, as a job."""
    run = _editable(org, actor, run_id)
    job = job_start(
        org=org,
        actor=actor,
        kind="transfer.import_review",
        params={"run_id": run.pk},
        label=f"Check {run.original_name}",
        enqueue=enqueue,
    )
    run.status = ImportStatus.REVIEWING
    run.review_job = job
    run.review = {}
    run.save(update_fields=["status", "review_job", "review"])
    return run


@transaction.atomic
def import_start(
    *, org: Organization, actor: Actor, run_id: int, enqueue: bool = True
) -> ImportRun:
    """Imports what the dry run showed, as a job."""
    run = import_get_for_actor(org=org, actor=actor, run_id=run_id, for_update=True)
    actor.require(Cap.TRANSFER_IMPORT)
    import_settle(run)
    resumable = run.status in (ImportStatus.FAILED, ImportStatus.CANCELLED) and run.rows.exists()
    if run.status != ImportStatus.REVIEWED and not resumable:
        raise Conflict(
            detail="Check the file first (the dry run), then import it.", code="import_state"
        )
    if run.file_deleted_at is not None:
        raise Conflict(
            detail="The file was deleted after 30 days; upload it again.", code="file_gone"
        )
    job = job_start(
        org=org,
        actor=actor,
        kind="transfer.import",
        params={"run_id": run.pk},
        total=int(run.review.get("total") or 0) or None,
        label=f"Import {run.original_name}",
        enqueue=enqueue,
    )
    run.status = ImportStatus.IMPORTING
    run.import_job = job
    run.save(update_fields=["status", "import_job"])
    audit_record(org=org, actor=actor, action="transfer.import.started", target=run)
    return run


def undo_deadline(run: ImportRun) -> Any:
    return (run.imported_at or run.created_at) + timedelta(days=UNDO_DAYS)


@transaction.atomic
def import_undo_start(
    *, org: Organization, actor: Actor, run_id: int, enqueue: bool = True
) -> ImportRun:
    """Undoes an import (within 7 days), as a job; what changed since is listed, not undone."""
    run = import_get_for_actor(org=org, actor=actor, run_id=run_id, for_update=True)
    actor.require(Cap.TRANSFER_IMPORT)
    import_settle(run)
    if run.status not in (ImportStatus.IMPORTED, ImportStatus.CANCELLED, ImportStatus.FAILED):
        raise Conflict(detail="Only a finished import can be undone.", code="import_state")
    if not run.rows.exists():
        raise Conflict(
            detail="This import changed nothing, so there is nothing to undo.", code="import_state"
        )
    if timezone.now() > undo_deadline(run):
        raise Conflict(
            detail=f"An import can be undone for {UNDO_DAYS} days; this one is older.",
            code="undo_expired",
        )
    job = job_start(
        org=org,
        actor=actor,
        kind="transfer.import_undo",
        params={"run_id": run.pk},
        label=f"Undo import of {run.original_name}",
        enqueue=enqueue,
    )
    run.status = ImportStatus.UNDOING
    run.undo_job = job
    run.save(update_fields=["status", "undo_job"])
    return run


@transaction.atomic
def mapping_save(*, org: Organization, actor: Actor, run_id: int, name: str) -> SavedMapping:
    """Keeps the run's mapping; a later file with the same headers starts with it."""
    run = import_get_for_actor(org=org, actor=actor, run_id=run_id)
    actor.require(Cap.TRANSFER_IMPORT)
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise DomainError.for_field("name", "Give the mapping a name of at most 100 characters.")
    saved, _created = SavedMapping.objects.update_or_create(
        organization=org,
        name=name,
        defaults={
            "headers": run.headers,
            "mapping": run.mapping,
            "match_keys": run.match_keys,
            "mode": run.mode,
            "options": run.options,
            "created_by_label": actor.label[:254],
        },
    )
    audit_record(org=org, actor=actor, action="transfer.mapping.saved", target=saved)
    return saved


def import_files_expire(*, org: Organization, now: Any = None) -> int:
    """Deletes the organization's uploaded files older than 30 days (the scheduler runs this
    daily); the run, its counts and its outcome rows stay for the history."""
    assert_in_scope(org)
    now = now or timezone.now()
    cutoff = now - timedelta(days=KEEP_FILES_DAYS)
    old = ImportRun.objects.filter(created_at__lt=cutoff, file_deleted_at__isnull=True)
    count = 0
    for run in old.only("id", "file"):
        if run.file.name:
            checked = import_path(run).with_name("checked.jsonl")  # the dry run's rows
            checked.unlink(missing_ok=True)
            default_storage.delete(run.file.name)
        count += ImportRun.objects.filter(pk=run.pk).update(file_deleted_at=now)
    return count
