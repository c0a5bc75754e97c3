"""What imports and exports keep.

Exports: each requested file (`ExportRun`) and the data log (`DataLogEntry`), the record
of every export, refusal and download that nobody can change.

What an import keeps: the uploaded file, its mapping, the review, each row's outcome.

An import is one `ImportRun`. Its rows' outcomes (`ImportRow`) are written in the same
transaction as the customers they create or change, so a worker killed mid-batch leaves
neither, and a row number can be imported only once (a unique constraint, not a hope).
They are also what undo reads: the customer each row touched, the values it replaced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from regulars.audit.models import WrittenOnce
from regulars.jobs.models import FINISHED, Job
from regulars.tenancy.models import TenantModel


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")  # mapping not confirmed yet
    REVIEWING = "reviewing", _("Checking")  # the dry run is running
    REVIEWED = "reviewed", _("Checked")  # ready to import
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    UNDOING = "undoing", _("Undoing")
    UNDONE = "undone", _("Undone")


class ImportMode(models.TextChoices):
    ADD = "add", _("Add new customers only")
    UPDATE = "update", _("Update existing customers only")
    BOTH = "both", _("Add new and update existing")


class RowOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REJECTED = "rejected", _("Rejected")


class ImportRun(TenantModel):
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/", max_length=300, blank=True)
    size = models.BigIntegerField(default=0)
    format = models.CharField(max_length=8)
    encoding = models.CharField(max_length=60, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    sheet = models.CharField(max_length=100, blank=True)
    sheets = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=list)
    system = models.CharField(max_length=32, blank=True)  # a recognised export, e.g. shopify
    # One {"target": ..., "type_column": ...} per header.
    mapping = models.JSONField(default=list)
    constant_consent = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=8, choices=ImportMode.choices, default=ImportMode.BOTH)
    match_keys = models.JSONField(default=list)
    # fresh_consent, blank_clears, create_categories
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    # The dry run: counts over the whole file and the first rows as they will be stored.
    review = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # the import's own counts
    review_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, related_name="+")
    import_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, related_name="+")
    undo_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, related_name="+")
    undo_report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_org_created")]

    def __str__(self) -> str:
        return f"Import of {self.original_name}"


class ImportRow(TenantModel):
    """One data row of the file as the import left it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # [{"column": header or "", "message": ...}] for a rejected row
    errors = models.JSONField(default=list, blank=True)
    # The row's cells as read, kept for rejected rows (the download of rejected rows).
    cells = models.JSONField(default=list, blank=True)
    # Updated rows: {field: old} of what changed, categories added, consent set; undo reads it.
    before = models.JSONField(default=dict, blank=True)
    version_after = models.PositiveIntegerField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ("run", "number")
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="importrow_run_number")
        ]
        indexes = [
            models.Index(fields=["run", "outcome", "number"], name="importrow_run_outcome"),
            models.Index(fields=["run", "customer"], name="importrow_run_customer"),
        ]

    def __str__(self) -> str:
        return f"Row {self.number}: {self.outcome}"


class ImportKey(models.Model):
    """A 64-bit digest of one matching key of one accepted row, so a later row with the same
    key is reported as a repeat ("repeats row 12") without holding the file's keys in
    memory. `phase` 0: the dry run; 1: the import (written with its batch)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")
    phase = models.PositiveSmallIntegerField()
    digest = models.BigIntegerField()
    number = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "phase", "digest"], name="importkey_lookup")]

    def __str__(self) -> str:
        return f"{self.digest} (row {self.number})"


class SavedMapping(TenantModel):
    """A mapping kept for the next file with the same headers."""

    name = models.CharField(max_length=100)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    match_keys = models.JSONField(default=list)
    mode = models.CharField(max_length=8, choices=ImportMode.choices, default=ImportMode.BOTH)
    options = models.JSONField(default=dict, blank=True)
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="savedmapping_org_name")
        ]

    def __str__(self) -> str:
        return self.name


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")


class ExportScope(models.TextChoices):
    LIST = "list", _("A list (search and filters)")
    VIEW = "view", _("A saved view")
    SELECTION = "selection", _("Selected customers")
    ALL = "all", _("Everyone")


class ExportStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportRun(TenantModel):
    """One requested file: what it holds, who asked, its job, and the file until it expires.

    The download link is `/exports/<token>/`: only the requester may use it, with their own
    login, until `expires_at`; then the file is deleted and the link answers 410."""

    token = models.CharField(max_length=43, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    api_key_id = models.BigIntegerField(null=True, blank=True)
    requested_by_label = models.CharField(max_length=254, blank=True)
    channel = models.CharField(max_length=16)
    ip = models.GenericIPAddressField(null=True, blank=True)
    scope = models.CharField(max_length=10, choices=ExportScope.choices)
    query = models.CharField(max_length=2000, blank=True)  # the list's canonical query
    view_name = models.CharField(max_length=100, blank=True)
    selection_id = models.BigIntegerField(null=True, blank=True)
    description = models.CharField(max_length=500)  # the customers, in words
    columns = models.JSONField(default=list)  # column keys, in order
    column_labels = models.JSONField(default=list)
    format = models.CharField(max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PREPARING
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # as the download names it
    row_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="export_org_created"),
            models.Index(fields=["status", "expires_at"], name="export_status_expires"),
        ]

    def __str__(self) -> str:
        return f"Export #{self.pk} ({self.format})"

    @property
    def shown_status(self) -> str:
        """The status as of now, without writing: a link past its time is expired, and an
        export whose job ended without a file has failed (the scheduler settles both)."""
        if self.status == ExportStatus.READY and self.expires_at and self.expires_at <= now():
            return ExportStatus.EXPIRED
        if self.status == ExportStatus.PREPARING and self.job and self.job.status in FINISHED:
            return ExportStatus.FAILED
        return self.status


class DataLogEvent(models.TextChoices):
    REQUESTED = "requested", _("Asked for")
    EXPORTED = "exported", _("Exported")
    DENIED = "denied", _("Refused")
    DOWNLOADED = "downloaded", _("Downloaded")
    FAILED = "failed", _("Export failed")


class DataLogEntry(WrittenOnce, TenantModel):
    """Customer data that left (or was refused): written once, never changed or deleted.

    A database trigger refuses UPDATE and DELETE on both databases (migration 0003), so the
    log holds even against code that forgets `save` and `delete` below. People and exports
    are kept as ids and labels (no foreign keys), so an entry outlives them."""

    created_at = models.DateTimeField(auto_now_add=True)
    event = models.CharField(max_length=10, choices=DataLogEvent.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    channel = models.CharField(max_length=16)
    ip = models.GenericIPAddressField(null=True, blank=True)
    export_id = models.BigIntegerField(null=True, blank=True)
    description = models.CharField(max_length=500, blank=True)
    columns = models.JSONField(default=list, blank=True)  # labels, as in the file
    format = models.CharField(max_length=4, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name_plural = _("data log entries")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="datalog_org_created"),
            models.Index(
                fields=["organization", "actor_user_id", "-created_at"], name="datalog_org_actor"
            ),
            models.Index(fields=["organization", "export_id"], name="datalog_org_export"),
        ]

    def __str__(self) -> str:
        return f"{self.event} by {self.actor_label}"
