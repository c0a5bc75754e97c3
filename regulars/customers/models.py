"""The customer record: a name, an email, assigned locations and consent per channel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.tenancy.models import Location, TenantModel


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class ConsentState(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    OPTED_IN = "opted_in", _("Opted in")
    OPTED_OUT = "opted_out", _("Opted out")


class ConsentSource(models.TextChoices):
    FORM = "form", _("Form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    SMS_STOP = "sms-stop", _("SMS STOP reply")
    PORTAL = "portal", _("Customer portal")
    SYSTEM = "system", _("System")


COLOUR_RE = r"^#[0-9a-fA-F]{6}$"
DEFAULT_COLOUR = "#64748b"


class Category(TenantModel):
    """A customer type ("Regular", "VIP", "Wholesale"): a name, a chip colour, a description.

    Names are unique per organization; the service also refuses a name that differs only
    in case.
    """

    name = models.CharField(_("name"), max_length=100)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default=DEFAULT_COLOUR,
        validators=[RegexValidator(COLOUR_RE, _("Enter a colour as #rrggbb."))],
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def text_colour(self) -> str:
        """Black or white, whichever reads better on the chip's colour (WCAG luminance)."""
        try:
            rgb = [int(self.colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        except ValueError:
            return "#000000"
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        # Contrast with black beats contrast with white above L ≈ 0.179.
        return "#000000" if luminance > 0.179 else "#ffffff"


class Customer(TenantModel):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    all_locations = models.BooleanField(_("all locations"), default=True)
    locations = models.ManyToManyField(Location, blank=True, related_name="+")
    # Written only by `customers.categories.customer_categories_set`.
    categories = models.ManyToManyField(Category, blank=True, related_name="customers")
    # Consent: written only by `customers.consent.consent_set`, which logs a ConsentEvent.
    email_consent = models.CharField(
        _("email consent"),
        max_length=16,
        choices=ConsentState.choices,
        default=ConsentState.UNKNOWN,
    )
    sms_consent = models.CharField(
        _("SMS consent"), max_length=16, choices=ConsentState.choices, default=ConsentState.UNKNOWN
    )
    email_blocked = models.BooleanField(_("block all email"), default=False)
    sms_blocked = models.BooleanField(_("block all SMS"), default=False)
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
            models.Index(
                fields=["organization", "email_consent"], name="customer_org_email_consent_idx"
            ),
            models.Index(
                fields=["organization", "sms_consent"], name="customer_org_sms_consent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Customer #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ImmutableConsentEventError(RuntimeError):
    pass


class ConsentEvent(TenantModel):
    """One change of a customer's consent on a channel; appended, never updated or deleted.

    `state` and `blocked` are the channel's values after the change.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consent_events")
    channel = models.CharField(max_length=16, choices=ConsentChannel.choices)
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    blocked = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=ConsentSource.choices)
    detail = models.CharField(max_length=200, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("consent event")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["organization", "customer", "-created_at"],
                name="consent_org_customer_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.state} ({self.source})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableConsentEventError("Consent events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableConsentEventError("Consent events cannot be deleted.")


NOTE_TEXT_MAX = 10_000


class Note(TenantModel):
    """A plain-text note on a customer; rendered with line breaks and links, nothing else.

    Written only by `customers.notes`; every add, edit and delete is audited with the text,
    so the audit keeps a note's whole history (a deleted note's text included).
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("text"), max_length=NOTE_TEXT_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    author_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("note")
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["organization", "customer", "created_at"], name="note_org_customer_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Note #{self.pk}"

    @property
    def edited(self) -> bool:
        """Changed after it was written (both stamps are set, microseconds apart, on add)."""
        return (self.updated_at - self.created_at).total_seconds() >= 1
