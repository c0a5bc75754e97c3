"""Exports: asking for a file, finishing it (from the job), and downloading it.

Only `transfer.export` may export; anyone else is refused and the refusal is logged. The
file is made by a job with the requester's rights as they are when it runs (a location-
limited manager exports their locations' customers), and it is served only to the
requester, as an attachment, until the organization's link lifetime runs out.

The data log gets, per export: "requested" when asked (who, from where, what), then
exactly one of "exported" (with the row count and SHA-256 of the file that is served) or
"failed"; then one "downloaded" per download. Each is written in the transaction that
changes the export's status, and only by the change that wins, so a job run twice (its
worker stopped answering and the reaper re-queued it) cannot log twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from regulars.core.errors import Conflict, DomainError, Forbidden, Gone
from regulars.jobs.services import job_start
from regulars.lists.list_state import column_setting_get, saved_view_get
from regulars.lists.services import selection_from_ids
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope
from regulars.transfer.data_log import datalog_record, datalog_refusal
from regulars.transfer.export_expiry import expire_one
from regulars.transfer.export_files import Written
from regulars.transfer.export_mail import send_link
from regulars.transfer.export_selectors import (
    export_columns_chosen,
    export_get_own,
    resolve_target,
)
from regulars.transfer.models import (
    DataLogEvent,
    ExportFormat,
    ExportRun,
    ExportScope,
    ExportStatus,
)

REFUSED = "Only owners and managers may export customers; ask one of them for the file."


@dataclass(frozen=True)
class ExportAsk:
    """What the caller asked for, before it is checked."""

    scope: str
    file_format: str
    query: str = ""
    view_id: int | None = None
    selection_id: int | None = None
    ids: list[int] | None = None  # a selection made of these customers, snapshotted now
    columns: list[str] | None = None


def require_export(*, org: Organization, actor: Actor, ip: str | None, what: str) -> None:
    """Refuse (and log the refusal of) anyone without `transfer.export`."""
    if not actor.can(Cap.TRANSFER_EXPORT):
        datalog_refusal(org=org, actor=actor, ip=ip, reason=REFUSED, description=what)
        raise Forbidden(detail=REFUSED)


def export_request(
    *, org: Organization, actor: Actor, ask: ExportAsk, ip: str | None, enqueue: bool = True
) -> ExportRun:
    """Check the request, log it and start the job that makes the file (`enqueue=False`:
    the command line runs the job in the foreground)."""
    assert_in_scope(org)
    require_export(org=org, actor=actor, ip=ip, what=f"an export ({ask.scope})")
    if ask.file_format not in ExportFormat.values:
        raise DomainError.for_field("format", "Choose csv or xlsx.")
    query, view_name, keys = ask.query.replace("\x00", ""), "", ask.columns
    if ask.scope == ExportScope.VIEW:
        if ask.view_id is None:
            raise DomainError.for_field("view_id", "Say which saved view to export.")
        view = saved_view_get(org=org, actor=actor, view_id=ask.view_id)
        query, view_name = view.query, view.name
        keys = keys or list(view.columns) or None
    if keys is None:
        keys = list(column_setting_get(org=org, actor=actor).columns)
    columns = export_columns_chosen(org, actor, keys)
    with transaction.atomic():
        selection_id = ask.selection_id
        if ask.scope == ExportScope.SELECTION and ask.ids and selection_id is None:
            selection_id = selection_from_ids(org=org, actor=actor, ids=ask.ids).pk
        target = resolve_target(
            actor=actor, scope=ask.scope, query=query, selection_id=selection_id
        )
        words = f"saved view “{view_name}”: {target.description}" if view_name else ""
        run = ExportRun.objects.create(
            organization=org,
            token=secrets.token_urlsafe(32),
            requested_by=actor.user,
            api_key_id=actor.api_key_id,
            requested_by_label=actor.label[:254],
            channel=actor.channel,
            ip=ip or None,
            scope=ask.scope,
            query=query[:2000],
            view_name=view_name[:100],
            selection_id=selection_id if ask.scope == ExportScope.SELECTION else None,
            description=(words or target.description)[:500],
            columns=[c.key for c in columns],
            column_labels=[c.label for c in columns],
            format=ask.file_format,
        )
        datalog_record(org=org, actor=actor, event=DataLogEvent.REQUESTED, ip=ip, export=run)
        run.job = job_start(
            org=org,
            actor=actor,
            kind="transfer.export",
            params={"export_id": run.pk},
            label=f"Export ({run.format.upper()}): {run.description}"[:200],
            enqueue=enqueue,
        )
        run.save(update_fields=["job"])
    return run


def file_name(run: ExportRun, when: datetime) -> str:
    """The name the browser saves: the organization's local time, then the export's id."""
    local = timezone.localtime(when, ZoneInfo(run.organization.time_zone))
    return f"customers-{local:%Y%m%d-%H%M}-{run.pk}.{run.format}"


def _as_requester(actor: Actor, run: ExportRun) -> Actor:
    """The job acts with the requester's rights; the log names the channel they asked on."""
    return replace(actor, channel=run.channel)


def export_finish(
    *, run: ExportRun, actor: Actor, name: str, written: Written, still_mine: Any
) -> bool:
    """Mark the file ready and log it in one transaction, if the export is still being
    prepared and `still_mine()` (the job's claim) holds; False when another run won."""
    org = run.organization
    now = timezone.now()
    with transaction.atomic():
        still_mine()
        fields = {
            "status": ExportStatus.READY,
            "file": name,
            "file_name": file_name(run, now),
            "row_count": written.rows,
            "size": written.size,
            "sha256": written.sha256,
            "ready_at": now,
            "expires_at": now + timedelta(hours=org.export_link_hours),
        }
        won = ExportRun.objects.filter(pk=run.pk, status=ExportStatus.PREPARING).update(**fields)
        if not won:
            return False
        for field, value in fields.items():
            setattr(run, field, value)
        datalog_record(
            org=org,
            actor=_as_requester(actor, run),
            event=DataLogEvent.EXPORTED,
            ip=run.ip,
            export=run,
        )
        transaction.on_commit(lambda: send_link(run.pk), robust=True)
    return True


def export_failed(*, run: ExportRun, actor: Actor | None, reason: str) -> bool:
    """Mark a preparing export failed and log why, once; False if it was settled already."""
    with transaction.atomic():
        won = ExportRun.objects.filter(pk=run.pk, status=ExportStatus.PREPARING).update(
            status=ExportStatus.FAILED
        )
        if not won:
            return False
        run.status = ExportStatus.FAILED
        datalog_record(
            org=run.organization,
            actor=_as_requester(actor, run) if actor is not None else None,
            event=DataLogEvent.FAILED,
            ip=run.ip,
            export=run,
            reason=reason,
        )
    return True


def export_download(
    *,
    org: Organization,
    actor: Actor,
    ip: str | None,
    export_id: int | None = None,
    token: str = "",
) -> tuple[ExportRun, Any]:
    """The export and its open file, once the download is logged. A refusal is logged and
    403; someone else's link is 404; a link past its time is 410; a file still being made
    is 409. The file is opened before the download is logged, so the log never records a
    download that could not happen."""
    require_export(org=org, actor=actor, ip=ip, what="a download")
    run = export_get_own(org=org, actor=actor, export_id=export_id, token=token)
    expire_one(run)
    if run.status == ExportStatus.EXPIRED:
        raise Gone(detail="This download link has expired and the file was deleted; export again.")
    if run.status == ExportStatus.FAILED:
        raise Gone(detail="This export failed and has no file; export again.")
    if run.status != ExportStatus.READY:
        raise Conflict(detail="The file is not ready yet; its page shows the progress.")
    try:
        handle = default_storage.open(run.file.name, "rb")
    except FileNotFoundError as exc:
        raise Gone(detail="The file is gone from the server; export again.") from exc
    try:
        with transaction.atomic():
            datalog_record(org=org, actor=actor, event=DataLogEvent.DOWNLOADED, ip=ip, export=run)
    except BaseException:
        handle.close()
        raise
    return run, handle
