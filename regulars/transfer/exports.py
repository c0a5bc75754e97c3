"""Exports: asking for a file, making it (a job), downloading it, and its expiry.

Only `transfer.export` may export; anyone else is refused and the refusal is logged. The
file is made by a job with the requester's rights as they are when it runs (a location-
limited manager exports their locations' customers), and it is served only to the
requester, as an attachment, until the organization's link lifetime runs out.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from regulars.core.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from regulars.customers.cells import CellContext
from regulars.customers.columns import Column, columns_for, parse_sort
from regulars.customers.custom_field_selectors import custom_field_list
from regulars.customers.filters.base import local_today
from regulars.customers.models import Customer
from regulars.customers.selectors import customer_list
from regulars.jobs.services import job_start
from regulars.lists.list_state import column_setting_get, saved_view_get
from regulars.lists.services import matching_customers, selection_from_ids, selection_get
from regulars.tenancy.access import Actor, Cap
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import assert_in_scope, tenant_scope
from regulars.transfer.data_log import datalog_record, datalog_refusal
from regulars.transfer.export_files import Written
from regulars.transfer.models import (
    DataLogEvent,
    ExportFormat,
    ExportRun,
    ExportScope,
    ExportStatus,
)

logger = logging.getLogger(__name__)

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


def export_columns(*, org: Organization, actor: Actor) -> dict[str, Column]:
    """Every column a file can hold: the registry's and the organization's custom fields."""
    fields = list(custom_field_list(org=org, actor=actor))
    return {k: c for k, c in columns_for(custom_fields=fields).items() if c.cell is not None}


def export_columns_chosen(org: Organization, actor: Actor, keys: list[str]) -> list[Column]:
    known = export_columns(org=org, actor=actor)
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise DomainError.for_field("columns", f"Unknown columns: {', '.join(unknown[:5])}.")
    if len(set(keys)) != len(keys):
        raise DomainError.for_field("columns", "A column is listed twice.")
    if not keys:
        raise DomainError.for_field("columns", "Choose at least one column.")
    return [known[k] for k in keys]


@dataclass(frozen=True)
class Target:
    """The customers an export holds, in the order it writes them."""

    customers: QuerySet[Customer]
    order: tuple[str, ...]
    description: str
    ids: list[int] | None = None  # a selection: written in id order, chunk by chunk


def _sorted(query: str) -> tuple[str, ...]:
    return parse_sort(QueryDict(query).get("sort")).order


def resolve_target(*, actor: Actor, scope: str, query: str, selection_id: int | None) -> Target:
    """The customers of a list, a view's query, a selection, or everyone, as the actor may
    see them now. Raises DomainError naming the parameter that is wrong."""
    org = actor.org
    if scope in (ExportScope.LIST, ExportScope.VIEW):
        customers, words = matching_customers(actor, query, field="query")
        return Target(customers, _sorted(query), words)
    if scope == ExportScope.SELECTION:
        if selection_id is None:
            raise DomainError.for_field("selection_id", "Say which selection to export.")
        selection = selection_get(org=org, actor=actor, selection_id=selection_id)
        words = f"{selection.count:,} selected customers ({selection.description or 'by hand'})"
        return Target(customer_list(org=org, actor=actor), ("pk",), words, ids=selection.ids)
    if scope == ExportScope.ALL:
        # Everyone, in the query's sort if it names one (filters are not read).
        return Target(customer_list(org=org, actor=actor), _sorted(query), "all customers")
    raise DomainError.for_field("scope", f"Choose one of: {', '.join(ExportScope.values)}.")


def export_request(
    *, org: Organization, actor: Actor, ask: ExportAsk, ip: str | None, enqueue: bool = True
) -> ExportRun:
    """Check the request, keep it and start the job that makes the file (`enqueue=False`:
    the command line runs the job in the foreground)."""
    assert_in_scope(org)
    require_export(org=org, actor=actor, ip=ip, what=f"an export ({ask.scope})")
    if ask.file_format not in ExportFormat.values:
        raise DomainError.for_field("format", "Choose csv or xlsx.")
    query, view_name, keys = ask.query, "", ask.columns
    if ask.scope == ExportScope.VIEW:
        if ask.view_id is None:
            raise DomainError.for_field("view_id", "Say which saved view to export.")
        view = saved_view_get(org=org, actor=actor, view_id=ask.view_id)
        query, view_name = view.query, view.name
        keys = keys or list(view.columns) or None
    if keys is None:
        keys = list(column_setting_get(org=org, actor=actor).columns)
    columns = export_columns_chosen(org, actor, keys)
    selection_id = ask.selection_id
    if ask.scope == ExportScope.SELECTION and ask.ids and selection_id is None:
        selection_id = selection_from_ids(org=org, actor=actor, ids=ask.ids).pk
    target = resolve_target(actor=actor, scope=ask.scope, query=query, selection_id=selection_id)
    description = f"saved view “{view_name}”: {target.description}" if view_name else ""
    with transaction.atomic():
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
            description=(description or target.description)[:500],
            columns=[c.key for c in columns],
            column_labels=[c.label for c in columns],
            format=ask.file_format,
        )
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
    local = timezone.localtime(when, ZoneInfo(run.organization.time_zone))
    return f"customers-{local:%Y%m%d-%H%M}-{run.pk}.{run.format}"


def cell_context(org: Organization) -> CellContext:
    return CellContext(time_zone=org.time_zone, today=local_today(org))


def export_finish(*, run: ExportRun, actor: Actor, name: str, written: Written) -> ExportRun:
    """Mark the file ready and log it, in one transaction: the log's row count and SHA-256
    are those of the file that will be served."""
    org = run.organization
    now = timezone.now()
    with transaction.atomic():
        run.status = ExportStatus.READY
        run.file.name = name
        run.file_name = file_name(run, now)
        run.row_count = written.rows
        run.size = written.size
        run.sha256 = written.sha256
        run.ready_at = now
        run.expires_at = now + timedelta(hours=org.export_link_hours)
        run.save()
        datalog_record(
            org=org,
            actor=_requester(actor, run),
            event=DataLogEvent.EXPORTED,
            ip=run.ip,
            export=run,
        )
        transaction.on_commit(lambda: _send_link(run.pk), robust=True)
    return run


def export_failed(*, run: ExportRun, actor: Actor, reason: str) -> None:
    with transaction.atomic():
        ExportRun.objects.filter(pk=run.pk).update(status=ExportStatus.FAILED)
        run.status = ExportStatus.FAILED
        datalog_record(
            org=run.organization,
            actor=_requester(actor, run),
            event=DataLogEvent.FAILED,
            ip=run.ip,
            export=run,
            reason=reason,
        )


def _requester(actor: Actor, run: ExportRun) -> Actor:
    """The job acts with the requester's rights; the log names the channel they asked on."""
    return replace(actor, channel=run.channel)


def _send_link(export_id: int) -> None:
    run = ExportRun.objects.select_related("organization", "requested_by").get(pk=export_id)
    user = run.requested_by
    if user is None or not user.email:
        return  # an API key's export: the caller polls /api/v1/exports/{id}
    org = run.organization
    link = f"{settings.SITE_URL}/exports/{run.token}/"
    expires = timezone.localtime(run.expires_at, ZoneInfo(org.time_zone))
    body = render_to_string(
        "transfer/email/export_ready.txt",
        {"run": run, "org": org, "link": link, "user": user, "expires": expires},
    )
    EmailMessage(
        subject=f"Your export from {org.name} is ready",
        body=body,
        to=[user.email],
        reply_to=[org.reply_to] if org.reply_to else None,
    ).send()


def _owned(run: ExportRun, actor: Actor) -> bool:
    if run.requested_by_id is not None:
        return actor.user is not None and actor.user.pk == run.requested_by_id
    return run.api_key_id is not None and actor.api_key_id == run.api_key_id


def export_get_own(
    *, org: Organization, actor: Actor, export_id: int | None = None, token: str = ""
) -> ExportRun:
    """The actor's own export by id or link token: another person's is NotFound."""
    assert_in_scope(org)
    found = (
        ExportRun.objects.filter(pk=export_id)
        if export_id
        else ExportRun.objects.filter(token=token)
    )
    run = found.select_related("job").first() if (export_id or token) else None
    if run is None or not _owned(run, actor):
        raise NotFound()
    return run


def export_download(
    *,
    org: Organization,
    actor: Actor,
    ip: str | None,
    export_id: int | None = None,
    token: str = "",
) -> ExportRun:
    """The file to serve, once the download is logged. A refusal is logged and 403; someone
    else's link is 404; a link past its time is 410; a file still being made is 409."""
    require_export(org=org, actor=actor, ip=ip, what="a download")
    run = export_get_own(org=org, actor=actor, export_id=export_id, token=token)
    expire_one(run)
    if run.status == ExportStatus.EXPIRED:
        raise Gone(detail="This download link has expired and the file was deleted; export again.")
    if run.status != ExportStatus.READY:
        raise Conflict(detail="The file is not ready yet; its page shows the progress.")
    with transaction.atomic():
        datalog_record(org=org, actor=actor, event=DataLogEvent.DOWNLOADED, ip=ip, export=run)
    return run


def expire_one(run: ExportRun, *, now: datetime | None = None) -> bool:
    """Delete the file of a ready export past its time; True if this call expired it."""
    now = now or timezone.now()
    if run.status != ExportStatus.READY or run.expires_at is None or run.expires_at > now:
        return False
    changed = ExportRun.objects.filter(pk=run.pk, status=ExportStatus.READY).update(
        status=ExportStatus.EXPIRED, file_deleted_at=now
    )
    if run.file:
        try:
            default_storage.delete(run.file.name)
        except OSError:
            logger.warning("Could not delete the expired export file %s", run.file.name)
    run.status = ExportStatus.EXPIRED
    run.file_deleted_at = now
    return bool(changed)


def exports_expire(*, now: datetime | None = None) -> int:
    """Every organization's exports past their time (the scheduler runs this every ten
    minutes), each organization in its own scope."""
    now = now or timezone.now()
    expired = 0
    for org in Organization.objects.all():
        with tenant_scope(org):
            due = ExportRun.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
            for run in due.only("id", "status", "expires_at", "file"):
                expired += expire_one(run, now=now)
    return expired


def export_path(name: str) -> Path:
    """Where the file is written: the default storage's own folder (files are served only
    through the download view, never by a web server)."""
    return Path(default_storage.path(name))


def export_list_own(*, org: Organization, actor: Actor) -> QuerySet[ExportRun]:
    """The actor's own exports (anyone may see what they asked for, even after a role
    change; downloading still needs `transfer.export`)."""
    assert_in_scope(org)
    if actor.user is not None:
        mine = ExportRun.objects.filter(requested_by_id=actor.user.pk)
    elif actor.api_key_id is not None:
        mine = ExportRun.objects.filter(api_key_id=actor.api_key_id, requested_by__isnull=True)
    else:
        mine = ExportRun.objects.none()
    return mine.select_related("job").order_by("-created_at", "-id")
