"""The customer record: a name, an email, assigned locations and consent per channel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.customers.expressions import BirthMonthDay
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
    IMPORT_UNDO = "import-undo", _("Import undone")
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


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    ANOTHER = "another", _("Another gender")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEACTIVATED = "deactivated", _("Deactivated")


class CustomerSource(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    IMPORT = "import", _("Import")
    APPOINTMENT = "appointment", _("Appointment")
    ONLINE = "online", _("Online")
    POS = "pos", _("Point of sale")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")


PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_work")
# (index name part, columns after organization): one per filterable or sortable column.
FILTER_INDEXES = (
    ("first", ("first_name",)),
    ("company", ("company",)),
    ("city", ("city",)),
    ("region", ("region",)),
    ("country", ("country",)),
    ("dob", ("date_of_birth",)),
    ("mmdd", ("birth_mmdd",)),
    ("gender", ("gender",)),
    ("source", ("source",)),
    ("updated", ("updated_at",)),
    ("invalid", ("email_invalid_at",)),
    ("discount", ("discount_percent",)),
    ("card", ("loyalty_card",)),
    # Figures kept by history.figures.
    ("spent", ("total_spent",)),
    ("visits", ("visit_count",)),
    ("firstvisit", ("first_visit",)),
    ("lastvisit", ("last_visit",)),
    ("ticket", ("avg_ticket",)),
    ("nextvisit", ("next_visit_due",)),
    ("lapses", ("lapses_on",)),
    ("balance", ("outstanding_balance",)),
    ("overdue", ("oldest_overdue_on",)),
    ("late", ("late_paid_share",)),
    ("spent30", ("spent_30",)),
    ("spent90", ("spent_90",)),
    ("spent365", ("spent_365",)),
    ("visits30", ("visits_30",)),
    ("visits90", ("visits_90",)),
    ("visits365", ("visits_365",)),
)


class Customer(TenantModel):
    """One person or company a business knows, shared by the organization's locations.

    Written only by `customers.services` (and the bulk paths of demo and import, which
    keep the same invariants): contact values are stored normalised (normalize.py), every
    change of the record's own fields, status or deletion bumps `version` (consent,
    categories, notes and reminders have their own writers and leave it), and identifiers
    stay on deleted and merged rows so that a lookup by card, account number, email or
    external id still finds them.
    """

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    # Set by messaging on a hard bounce or complaint; cleared when the email changes.
    email_invalid_at = models.DateTimeField(null=True, blank=True)
    email_invalid_reason = models.CharField(max_length=200, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=20, blank=True)
    phone_work = models.CharField(_("work phone"), max_length=20, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state or region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # month * 100 + day of the birthday (1231 for 31 December), kept by the database so the
    # "birthday within N days / in a month" filters are index range scans on every write path.
    birth_mmdd = models.GeneratedField(
        expression=BirthMonthDay("date_of_birth"),
        output_field=models.SmallIntegerField(null=True),
        db_persist=True,
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    account_number = models.CharField(_("account number"), max_length=32)
    loyalty_card = models.CharField(_("loyalty card number"), max_length=64, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    source = models.CharField(
        _("source"), max_length=16, choices=CustomerSource.choices, default=CustomerSource.MANUAL
    )
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
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
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when this record was merged into another (duplicates); lookups follow it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Figures from the customer's history (visits, orders, invoices): kept here, written only
    # by `history.figures` in the same transaction as each history write (and for the
    # rolling windows, daily), so the list filters and sorts on them with an index.
    total_spent = models.DecimalField(_("total spent"), max_digits=12, decimal_places=2, default=0)
    visit_count = models.PositiveIntegerField(_("visits"), default=0)
    first_visit = models.DateField(_("first visit"), null=True, blank=True)
    last_visit = models.DateField(_("last visit"), null=True, blank=True)
    avg_ticket = models.DecimalField(
        _("average ticket"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    avg_interval_days = models.DecimalField(
        _("usual interval (days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    next_visit_due = models.DateField(_("next visit expected"), null=True, blank=True)
    # last visit + twice the usual interval: the day the customer counts as lapsed.
    lapses_on = models.DateField(_("lapses on"), null=True, blank=True)
    outstanding_balance = models.DecimalField(
        _("outstanding balance"), max_digits=12, decimal_places=2, default=0
    )
    oldest_overdue_on = models.DateField(_("oldest overdue invoice due"), null=True, blank=True)
    late_paid_share = models.DecimalField(
        _("share of invoices paid late"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    spent_30 = models.DecimalField(_("spent, 30 days"), max_digits=12, decimal_places=2, default=0)
    spent_90 = models.DecimalField(_("spent, 90 days"), max_digits=12, decimal_places=2, default=0)
    spent_365 = models.DecimalField(
        _("spent, 365 days"), max_digits=12, decimal_places=2, default=0
    )
    visits_30 = models.PositiveIntegerField(_("visits, 30 days"), default=0)
    visits_90 = models.PositiveIntegerField(_("visits, 90 days"), default=0)
    visits_365 = models.PositiveIntegerField(_("visits, 365 days"), default=0)
    # The organization's day the figures above were computed for (windows and "overdue").
    figures_on = models.DateField(null=True, blank=True, editable=False)
    # Search (customers.search): folded copies of the record, written with it by every
    # writer; `search_doc` has a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL).
    search_doc = models.TextField(default="", blank=True, editable=False)
    first_folded = models.CharField(max_length=100, default="", blank=True, editable=False)
    last_folded = models.CharField(max_length=100, default="", blank=True, editable=False)
    email_folded = models.CharField(max_length=254, default="", blank=True, editable=False)
    initials = models.CharField(max_length=16, default="", blank=True, editable=False)

    class Meta(TenantModel.Meta):
        verbose_name = _("customer")
        ordering = ("last_name", "first_name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account_number"], name="customer_unique_account"
            ),
            models.UniqueConstraint(
                fields=["organization", "loyalty_card"],
                condition=~models.Q(loyalty_card=""),
                name="customer_unique_card",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "last_name", "first_name"], name="customer_org_name_idx"
            ),
            models.Index(fields=["organization", "email"], name="customer_org_email_idx"),
            models.Index(fields=["organization", "email_key"], name="customer_org_email_key_idx"),
            models.Index(fields=["organization", "phone_mobile"], name="customer_org_mobile_idx"),
            models.Index(fields=["organization", "phone_home"], name="customer_org_home_idx"),
            models.Index(fields=["organization", "phone_work"], name="customer_org_work_idx"),
            models.Index(fields=["organization", "status"], name="customer_org_status_idx"),
            models.Index(fields=["organization", "created_at"], name="customer_org_created_idx"),
            models.Index(fields=["organization", "deleted_at"], name="customer_org_deleted_idx"),
            models.Index(
                fields=["organization", "email_consent"], name="customer_org_email_consent_idx"
            ),
            models.Index(
                fields=["organization", "sms_consent"], name="customer_org_sms_consent_idx"
            ),
            # Filters and sorts of the list (customers.filters, customers.columns).
            *(
                models.Index(fields=["organization", *cols], name=f"customer_org_{name}_idx")
                for name, cols in FILTER_INDEXES
            ),
            # The postal code prefix filter: LIKE '20%' uses it on PostgreSQL whatever the
            # collation (the opclasses are PostgreSQL's; SQLite ignores them).
            models.Index(
                fields=["organization", "postal_code"],
                name="customer_org_postal_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # Exact and prefix search (customers.search); the opclass applies on PostgreSQL
            # only, so that LIKE 'ab%' uses the index whatever the database's collation.
            *(
                models.Index(
                    fields=["organization", column],
                    name=f"customer_org_{column}_idx",
                    opclasses=["int8_ops", "varchar_pattern_ops"],
                )
                for column in ("first_folded", "last_folded", "email_folded", "initials")
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or f"Customer #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """The person's name, else the company's."""
        return self.full_name or self.company

    @property
    def phones(self) -> list[tuple[str, str]]:
        """(label, E.164) of each phone that is set."""
        labels = {"phone_mobile": "Mobile", "phone_home": "Home", "phone_work": "Work"}
        return [(labels[f], getattr(self, f)) for f in PHONE_FIELDS if getattr(self, f)]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class AccountCounter(TenantModel):
    """The next number of the organization's account sequence; one row per organization.

    Allocation is one UPDATE of this row (customers.account_numbers), which serialises
    concurrent creates on PostgreSQL (row lock) and SQLite (write lock) alike.
    """

    next_value = models.BigIntegerField(default=1)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="account_counter_one_per_org")
        ]


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


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    BOOL = "bool", _("Yes / no")
    CHOICE = "choice", _("One of a list")
    MULTI = "multi", _("Several of a list")


CHOICE_TYPES = (CustomFieldType.CHOICE, CustomFieldType.MULTI)
KEY_RE = r"^[a-z][a-z0-9_]*$"


class CustomField(TenantModel):
    """A field the organization adds to its customers ("Hair type", "Member since").

    `key` names the field in the API and in imports and exports; it never changes once set,
    so integrations keep working when the label is reworded.
    """

    key = models.CharField(
        _("key"),
        max_length=50,
        validators=[
            RegexValidator(KEY_RE, _("Lower-case letters, digits and _, starting with a letter."))
        ],
    )
    label = models.CharField(_("label"), max_length=100)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    field_type = models.CharField(_("type"), max_length=8, choices=CustomFieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    visible_to_customer = models.BooleanField(_("visible to the customer"), default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("custom field")
        ordering = ("position", "label", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="custom_field_unique_key"),
            models.UniqueConstraint(
                fields=["organization", "label"], name="custom_field_unique_label"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_options(self) -> bool:
        return self.field_type in CHOICE_TYPES


class CustomFieldOption(TenantModel):
    """One choice of a "one of a list" or "several of a list" field."""

    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta(TenantModel.Meta):
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["field", "label"], name="custom_option_unique_label")
        ]

    def __str__(self) -> str:
        return self.label


class CustomFieldValue(TenantModel):
    """A customer's value of one custom field, in the column of its type.

    A "several of a list" field has one row per chosen option. Every column is indexed with
    (organization, field) first, so filters and sorts on a custom field stay indexed at a
    million customers.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="custom_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    # NULL, not "", on rows of other types: one column per type, only its own rows set.
    text_value = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001
    number_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    date_value = models.DateField(null=True, blank=True)
    bool_value = models.BooleanField(null=True, blank=True)
    option = models.ForeignKey(
        CustomFieldOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "field"],
                condition=models.Q(option__isnull=True),
                name="custom_value_one_per_field",
            ),
            models.UniqueConstraint(
                fields=["customer", "field", "option"],
                condition=models.Q(option__isnull=False),
                name="custom_value_one_per_option",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "field", "text_value"], name="cfv_text_idx"),
            models.Index(fields=["organization", "field", "number_value"], name="cfv_number_idx"),
            models.Index(fields=["organization", "field", "date_value"], name="cfv_date_idx"),
            models.Index(fields=["organization", "field", "bool_value"], name="cfv_bool_idx"),
            models.Index(fields=["organization", "field", "option"], name="cfv_option_idx"),
            models.Index(fields=["customer", "field"], name="cfv_customer_idx"),
        ]


REMINDER_TEXT_MAX = 1000


class Reminder(TenantModel):
    """Something to do about a customer by a day (and optionally a time), for one staff member.

    `due_date`/`due_time` are wall-clock values in the organization's time zone: "call on
    Friday at 10" stays at 10 whatever the server's zone.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reminders")
    text = models.CharField(_("text"), max_length=REMINDER_TEXT_MAX)
    due_date = models.DateField(_("due date"))
    due_time = models.TimeField(_("time"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for"),
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_label = models.CharField(max_length=254, blank=True)
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("reminder")
        ordering = ("due_date", "due_time", "id")
        indexes = [
            models.Index(
                fields=["organization", "assigned_to", "done_at", "due_date"],
                name="reminder_mine_idx",
            ),
            models.Index(fields=["organization", "customer", "due_date"], name="reminder_cust_idx"),
            # The list's "reminders due by" filter: open reminders by day.
            models.Index(
                fields=["organization", "done_at", "due_date", "customer"],
                name="reminder_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
