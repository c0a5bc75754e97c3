"""The tenant (Organization), its Locations and the staff who work in it."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.tenancy.managers import TenantManager

ACCOUNT_PREFIX_RE = r"^[A-Za-z0-9-]*$"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organization(models.Model):
    """A business: one customer database shared by all its locations."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    country = models.CharField(
        _("default country for phone numbers"),
        max_length=2,
        default="US",
        help_text=_("Two-letter ISO code, e.g. GB, US, AU."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    account_prefix = models.CharField(
        _("account number prefix"),
        max_length=10,
        default="C",
        blank=True,
        validators=[RegexValidator(ACCOUNT_PREFIX_RE, _("Use letters, digits and dashes only."))],
        help_text=_("Letters before each new customer's account number, e.g. C000123."),
    )
    require_gender_dob = models.BooleanField(
        _("require gender and date of birth"),
        default=False,
        help_text=_("Refuse to save a customer without a gender and a date of birth."),
    )
    export_link_hours = models.PositiveSmallIntegerField(
        _("export links work for (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("After this, an export's download link stops working and its file is deleted."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Every row that belongs to one organization inherits this.

    `objects` (declared first, so it is the default manager) refuses to query without an
    organization in scope; `unscoped` is for migrations, system jobs and tenancy code only.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012  (a manager, not a field)

    class Meta:
        abstract = True
        base_manager_name = "unscoped"


class Location(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave empty to use the organization's."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("location")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    READONLY = "readonly", _("Read-only")


class StaffMembership(TenantModel):
    """One login's place in one organization: its role and the locations it may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    all_locations = models.BooleanField(_("all locations"), default=True)
    locations = models.ManyToManyField(Location, blank=True, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Later than an invitation's creation: that invitation no longer applies.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("staff membership")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"
