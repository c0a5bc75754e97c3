"""The demo history as plain values, before any database: the demo salon's catalogue
(services and retail products) and one customer's visits, orders and invoices as rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from regulars.history.figures import History

ZERO = Decimal("0.00")


# name, minutes, price today, kind. The catalogue of the demo salon (hair, nails, skin).
SERVICES: tuple[tuple[str, int, str, str], ...] = (
    ("Cut & blow-dry", 60, "55.00", "cut"),
    ("Men's cut", 30, "28.00", "men"),
    ("Blow-dry", 45, "32.00", "cut"),
    ("Full colour", 120, "95.00", "colour"),
    ("Half-head highlights", 120, "85.00", "colour"),
    ("Root touch-up", 75, "60.00", "colour"),
    ("Beard trim", 20, "15.00", "men"),
    ("Gel manicure", 45, "30.00", "nails"),
    ("Pedicure", 50, "35.00", "nails"),
    ("Express facial", 30, "40.00", "skin"),
    ("Signature facial", 60, "70.00", "skin"),
    ("Back & shoulder massage", 30, "38.00", "massage"),
)
# Retail products sold over the counter (order lines without a service).
PRODUCTS: tuple[tuple[str, str], ...] = (
    ("Repair shampoo 250 ml", "18.00"),
    ("Repair conditioner 250 ml", "18.00"),
    ("Argan hair oil", "24.00"),
    ("Heat protection spray", "15.00"),
    ("Matte styling paste", "14.00"),
    ("Intensive hair mask", "22.00"),
    ("Cuticle oil", "9.00"),
    ("Hand cream", "12.00"),
    ("Paddle brush", "20.00"),
    ("Gift voucher 25", "25.00"),
    ("Gift voucher 50", "50.00"),
)
_PRICES = tuple(Decimal(p) for _n, _m, p, _k in SERVICES)
_PRODUCT_PRICES = tuple(Decimal(p) for _n, p in PRODUCTS)


@dataclass(slots=True)
class VisitRow:
    day: date
    minute: int  # local time, minutes after midnight
    services: tuple[int, ...]  # indexes into SERVICES
    amount: Decimal
    discount: Decimal
    status: str
    location_slot: int
    staff_slot: int


@dataclass(slots=True)
class OrderRow:
    day: date
    minute: int
    lines: tuple[tuple[int, int], ...]  # (index into PRODUCTS, quantity; negative: refunded)
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    method: str
    location_slot: int
    refund_of: int | None = None  # index of the refunded order in this customer's orders


@dataclass(slots=True)
class InvoiceRow:
    issued: date
    due: date
    amount: Decimal
    payments: tuple[tuple[date, Decimal, str], ...]
    written_off: date | None
    location_slot: int

    @property
    def paid(self) -> Decimal:
        return sum((p[1] for p in self.payments), ZERO)

    @property
    def paid_on(self) -> date | None:
        """The day the payments first covered the amount (as `invoices._settle` keeps it)."""
        total = ZERO
        for day, amount, _method in sorted(self.payments, key=lambda p: p[0]):
            total += amount
            if total >= self.amount:
                return day
        return None


@dataclass(slots=True)
class CustomerHistory:
    habit: str
    visits: list[VisitRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)

    @property
    def events(self) -> int:
        return len(self.visits) + len(self.orders) + len(self.invoices)

    def figures_history(self) -> History:
        """The rows as `history.figures` reads them back from the database."""
        return History(
            visits=[(v.day, v.amount - v.discount) for v in self.visits if v.status == "completed"],
            orders=[(o.day, o.total) for o in self.orders],
            invoices=[(i.due, i.amount, i.paid, i.paid_on, i.written_off) for i in self.invoices],
        )
