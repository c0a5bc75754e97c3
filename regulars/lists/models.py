"""What the customer list keeps: selections, saved views, each member's columns.

A selection: the customer ids a bulk action (and later export, merge, messaging) works on,
snapshotted when the user confirms, so that an action never re-runs a filter whose matches
it is changing."""

from __future__ import annotations

import zlib
from array import array

from django.conf import settings
from django.db import models

from regulars.tenancy.models import TenantModel


class Selection(TenantModel):
    """The ids are packed (64-bit, sorted, zlib): a million ids take a few megabytes in
    one row instead of a million rows."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    created_by_label = models.CharField(max_length=254, blank=True)
    description = models.CharField(max_length=500, blank=True)  # the filter in words
    count = models.PositiveIntegerField(default=0)
    packed_ids = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.count} customers ({self.description or 'chosen by hand'})"

    @staticmethod
    def pack(ids: list[int]) -> bytes:
        return zlib.compress(array("q", sorted(set(ids))).tobytes(), level=1)

    @property
    def ids(self) -> list[int]:
        values = array("q")
        values.frombytes(zlib.decompress(bytes(self.packed_ids)))
        return values.tolist()


class SavedView(TenantModel):
    """A named search + filters + sort (+ columns): private to its owner or shared with the
    organization. `query` is the list's canonical query string, so a view is a bookmark."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    columns = models.JSONField(default=list, blank=True)  # empty: the member's own columns
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "owner", "name"], name="saved_view_unique_name"
            )
        ]
        indexes = [models.Index(fields=["organization", "shared"], name="saved_view_shared_idx")]

    def __str__(self) -> str:
        return self.name


MAX_LOCKED = 5


class ColumnSetting(TenantModel):
    """One staff member's columns on the customer list: which, in what order, and how many
    leading ones stay in place when the table scrolls sideways."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=list)
    locked = models.PositiveSmallIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="column_setting_one")
        ]

    def __str__(self) -> str:
        return f"columns of {self.user_id}"
