"""The customer record. Minimal for now: a name, an email and assigned locations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.tenancy.models import Location, TenantModel


class Customer(TenantModel):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    all_locations = models.BooleanField(_("all locations"), default=True)
    locations = models.ManyToManyField(Location, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("customer")
        ordering = ("last_name", "first_name", "id")
        indexes = [
            models.Index(
                fields=["organization", "last_name", "first_name"], name="customer_org_name_idx"
            ),
            models.Index(fields=["organization", "email"], name="customer_org_email_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Customer #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
