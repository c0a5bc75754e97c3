"""Immutable audit entries: who changed what, when, through which channel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.tenancy.models import TenantModel


class ImmutableEntryError(RuntimeError):
    pass


class WrittenOnce(models.Model):
    """A record the application writes once and never changes or deletes."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEntryError(f"{self._meta.verbose_name_plural} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEntryError(f"{self._meta.verbose_name_plural} cannot be deleted.")


class AuditEntry(WrittenOnce, TenantModel):
    """Written once inside the caller's transaction; never updated or deleted by the app.

    `customer_id` is denormalised (no FK) so entries outlive merges and deletions and the
    survivor of a merge can show the entries of every record merged into it.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    channel = models.CharField(max_length=16)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx"),
            models.Index(fields=["organization", "customer_id"], name="audit_org_customer_idx"),
            models.Index(
                fields=["organization", "target_type", "target_id"], name="audit_org_target_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
