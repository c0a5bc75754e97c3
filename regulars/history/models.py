"""The history of a customer: visits, orders (with lines), invoices and payments.

Money is Decimal(12,2) in the organization's currency. Every row is written only by the
services of this app, which keep the customer's figures (`history.figures`) in the same
transaction. Each event row also keeps its day in the organization's time zone
(`local_day`), so that windows and date ranges are plain index ranges on both engines.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.customers.models import Customer
from regulars.tenancy.models import Location, TenantModel

NOTE_MAX = 2000


class Service(TenantModel):
    """A service the business sells ("Cut and blow-dry", 45 min, 55.00); shared with booking."""

    name = models.CharField(_("name"), max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("service")
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Bank transfer")
    VOUCHER = "voucher", _("Voucher")
    ACCOUNT = "account", _("House account")
    OTHER = "other", _("Other")


class Visit(TenantModel):
    """A visit or appointment. Only a completed visit counts as a visit and as spend
    (its amount less its discount)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visits")
    starts_at = models.DateTimeField(_("date and time"))
    local_day = models.DateField(editable=False)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    staff_label = models.CharField(max_length=254, blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.COMPLETED
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("visit")
        ordering = ("-starts_at", "-id")
        indexes = [
            models.Index(
                fields=["organization", "customer", "starts_at"], name="visit_org_customer_idx"
            ),
            # Spend and visits in a date range (the arbitrary-range filter): covering, so
            # the range is summed from the index alone (at 10M rows a 90-day range took
            # 2.6–4.2 s through the table on SQLite, 0.1–0.4 s from this index).
            models.Index(
                fields=["organization", "status", "local_day", "customer", "amount", "discount"],
                name="visit_org_day_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit #{self.pk}"

    @property
    def net(self) -> Decimal:
        return self.amount - self.discount

    @property
    def counts(self) -> bool:
        return self.status == VisitStatus.COMPLETED


class Order(TenantModel):
    """A sale: lines (or a plain total) less a discount. A refund is an order whose total is
    negative; it lowers the customer's spend."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("number"), max_length=40)
    ordered_at = models.DateTimeField(_("date and time"))
    local_day = models.DateField(editable=False)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subtotal = models.DecimalField(
        _("subtotal"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    discount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    refund_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds"
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("order")
        ordering = ("-ordered_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="order_unique_number")
        ]
        indexes = [
            models.Index(
                fields=["organization", "customer", "ordered_at"], name="order_org_customer_idx"
            ),
            models.Index(
                fields=["organization", "local_day", "customer", "total"],
                name="order_org_day_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    @property
    def is_refund(self) -> bool:
        return self.total < 0


class OrderLine(TenantModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("item"), max_length=200)
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta(TenantModel.Meta):
        ordering = ("order", "position", "id")
        indexes = [models.Index(fields=["organization", "order"], name="orderline_org_order_idx")]

    def __str__(self) -> str:
        return self.description


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PART_PAID = "part_paid", _("Part-paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    WRITTEN_OFF = "written_off", _("Written off")


class Invoice(TenantModel):
    """An amount the customer owes by a due date. `paid_amount` and `paid_on` (the day the
    balance reached zero) are kept by the payment services; the status is derived."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("number"), max_length=40)
    issued_on = models.DateField(_("issue date"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )
    paid_on = models.DateField(null=True, blank=True, editable=False)
    written_off_on = models.DateField(_("written off"), null=True, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("invoice")
        ordering = ("-issued_on", "-id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="invoice_unique_number")
        ]
        indexes = [
            models.Index(
                fields=["organization", "customer", "issued_on"],
                name="invoice_org_customer_idx",
            ),
            models.Index(fields=["organization", "due_on"], name="invoice_org_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid_amount

    def status_on(self, today: date) -> str:
        if self.written_off_on is not None:
            return InvoiceStatus.WRITTEN_OFF
        if self.paid_amount >= self.amount:
            return InvoiceStatus.PAID
        if self.due_on < today:
            return InvoiceStatus.OVERDUE
        if self.paid_amount > 0:
            return InvoiceStatus.PART_PAID
        return InvoiceStatus.OPEN


class Payment(TenantModel):
    """A payment against an invoice (positive; a correction is an edit or a delete)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    method = models.CharField(
        _("method"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.CARD
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("payment")
        ordering = ("-paid_on", "-id")
        indexes = [
            models.Index(
                fields=["organization", "invoice", "paid_on"], name="payment_org_invoice_idx"
            ),
            models.Index(
                fields=["organization", "customer", "paid_on"], name="payment_org_customer_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk}"


class IdempotencyKey(TenantModel):
    """The first answer to a POST sent with an `Idempotency-Key` header, per organization
    and endpoint (and the caller: a member or an API key), kept 30 days: a retry gets the
    same answer, a different body a 422."""

    endpoint = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "endpoint", "key"], name="idempotency_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="idempotency_org_age_idx")
        ]
