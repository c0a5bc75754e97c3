"""The Job row: the source of truth for every long piece of work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.accounts.models import ApiKey
from regulars.tenancy.models import TenantModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


class StartedBy(models.TextChoices):
    """Whose rights the job runs with; checked again every time the job (re)starts.

    Kept apart from `requester` and `api_key` because those become NULL when the user or
    key row is deleted: a job started by a person must then fail, not become system work.
    """

    USER = "user", _("A staff member")
    API_KEY = "api_key", _("An API key")
    SYSTEM = "system", _("The system")


class Job(TenantModel):
    """What a task is doing, how far it got, and where to resume if its worker dies.

    The task backend's own result row is not trusted for this: the database backend leaves
    a task RUNNING forever when its worker is killed. The reaper reads `heartbeat_at`.

    A job runs with the rights of whoever started it (`started_by`: the `requester`'s
    membership, the `api_key`'s role, or the system), looked up again when it runs.
    """

    kind = models.CharField(max_length=64)
    label = models.CharField(max_length=200, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_by = models.CharField(max_length=8, choices=StartedBy.choices)
    channel = models.CharField(max_length=16, default="page")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("job")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["organization", "requester", "-created_at"], name="job_org_req_idx"
            ),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.kind} #{self.pk}"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == JobStatus.SUCCEEDED else None
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def started_by_label(self) -> str:
        if self.started_by == StartedBy.SYSTEM:
            return "the system"
        if self.started_by == StartedBy.API_KEY:
            return f"API key “{self.api_key.name}”" if self.api_key else "a deleted API key"
        return self.requester.display_name if self.requester else "a deleted user"


class ScheduledRun(models.Model):
    """One claimed slot of a periodic entry; the unique constraint makes the claim atomic."""

    name = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    org_key = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot", "org_key"], name="scheduledrun_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"
