"""The demo's history generator: three years of visits, orders and invoices, reproducible
per seed, as plain values (`history_rows`), without Django.

`HistoryGenerator(seed, today=…).customer(row)` draws one customer's history from its own
random stream (row *i* gets the same history for the same seed and day whatever batch it
is in): a habit (regular every 3–8 weeks, occasional, one-off, lapsed a year or more ago,
or none), visits with services and statuses, retail orders with a few refunds, and for
business customers invoices with their payments. `history_scale` finds the scale that
gives a wanted number of rows per customer.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from regulars.customers.rows import CustomerRow
from regulars.demo.generator import MAX_INDEX, CustomerGenerator
from regulars.demo.history_rows import (
    _PRICES,
    _PRODUCT_PRICES,
    PRODUCTS,
    SERVICES,
    ZERO,
    CustomerHistory,
    InvoiceRow,
    OrderRow,
    VisitRow,
)

HISTORY_DAYS = 3 * 365
DEFAULT_PER_CUSTOMER = 10.0
CALIBRATION_ROWS = 1000
CENT = Decimal("0.01")
HALF = Decimal("0.5")


_KIND = {
    kind: tuple(i for i, s in enumerate(SERVICES) if s[3] == kind) for _, _, _, kind in SERVICES
}
_MINUTES = tuple(s[1] for s in SERVICES)
# Everyone else's usual service: (cumulative share, two candidates).
_USUAL = (
    (0.5, (_KIND["cut"][0], _KIND["cut"][0])),
    (0.7, _KIND["colour"][:2]),
    (0.78, _KIND["colour"][1:]),
    (0.9, _KIND["nails"]),
    (0.97, _KIND["skin"]),
    (1.01, (_KIND["cut"][1], _KIND["cut"][1])),
)

HABITS = ("none", "one_off", "occasional", "regular", "lapsed")
_HABIT_WEIGHTS = (10.0, 14.0, 26.0, 32.0, 18.0)
ORDER_METHODS = (("card", 70), ("cash", 18), ("voucher", 6), ("account", 6))
PAYMENT_METHODS = (("transfer", 60), ("card", 30), ("cash", 10))


@dataclass(frozen=True, slots=True)
class _Who:
    """A customer's habits at the salon: usual service and extras, location, stylist."""

    menu: tuple[int, tuple[int, ...], float]
    home: int
    everywhere: bool
    stylist: int
    pct: Decimal | None


def _interests(row: CustomerRow) -> tuple[str, ...]:
    value = row.custom.get("interests")
    return value if isinstance(value, tuple) else ()


def _cum(pairs: Sequence[tuple[str, int]]) -> tuple[tuple[str, ...], list[int]]:
    return tuple(p[0] for p in pairs), list(accumulate(p[1] for p in pairs))


class HistoryGenerator:
    """Histories up to `today` (a few bookings after it); `scale` shortens the intervals
    between visits, orders and invoices (2.0: about twice as many rows)."""

    def __init__(self, seed: int = 0, *, today: date, scale: float = 1.0) -> None:
        self.seed = seed
        self.today = today
        self.scale = scale
        self._order_methods = _cum(ORDER_METHODS)
        self._payment_methods = _cum(PAYMENT_METHODS)
        self._prices: dict[tuple[int, date], Decimal] = {}

    def customer(self, row: CustomerRow) -> CustomerHistory:
        rng = random.Random((self.seed * MAX_INDEX + row.index) + (1 << 100))  # noqa: S311
        today = self.today
        start = max(today - timedelta(days=HISTORY_DAYS), today - timedelta(row.created_days_ago))
        active = (today - start).days
        habit = self._habit(rng, row, active)
        history = CustomerHistory(habit)
        if habit == "none":
            return history
        end = today - timedelta(days=1)  # the last day that can have a past visit
        if habit == "lapsed":
            end = today - timedelta(days=rng.randint(365, min(730, active - 30)))
        days = self._visit_days(rng, habit, start, end)
        home, pct = row.location_slot, row.discount_percent
        who = _Who(
            menu=self._menu(rng, row),
            home=home,
            everywhere=row.all_locations,
            stylist=rng.randrange(16),
            pct=pct,
        )
        retail = 0.35 if "Retail" in _interests(row) else 0.12
        for n, day in enumerate(days):
            visit = self._visit(rng, day, n, who)
            history.visits.append(visit)
            if visit.status == "completed" and rng.random() < retail:
                minute = visit.minute + sum(_MINUTES[i] for i in visit.services)
                history.orders.append(self._order(rng, day, minute, home, pct))
        if habit == "regular" and days and rng.random() < 0.5:
            gap = max(1, round(rng.uniform(21, 56) / self.scale))
            booked = max(days[-1] + timedelta(days=gap), today + timedelta(days=1))
            booked = min(booked, today + timedelta(days=42))
            booked += timedelta(days=booked.weekday() == 6)  # closed on Sundays: Monday
            history.visits.append(self._visit(rng, booked, len(days), who))
        if rng.random() < 0.08:  # buys online now and then
            for day in self._series(rng, start, end, rng.uniform(100, 200)):
                history.orders.append(self._order(rng, day, 15 * rng.randrange(32, 88), home, pct))
        self._refunds(rng, history, home)
        business = bool(row.company) or "Wholesale" in row.categories
        if rng.random() < (0.4 if business else 0.03):
            self._invoices(rng, history, start, end, home, business=business)
        return history

    # --- habits and days ---------------------------------------------------------------

    def _habit(self, rng: random.Random, row: CustomerRow, active: int) -> str:
        w = list(_HABIT_WEIGHTS)
        if "VIP" in row.categories or "Regular" in row.categories:
            w[3] *= 3
        if "At risk" in row.categories:
            w[4] *= 4
        if "New" in row.categories:
            w[1] *= 2
            w[2] *= 2
        if row.status == "deactivated":
            w[0] *= 3
            w[4] *= 3
        if active < 420:  # too new to have stopped coming a year ago
            w[4] = 0
        if active < 2:
            return "none"
        return HABITS[bisect.bisect(list(accumulate(w)), rng.random() * sum(w))]

    def _series(self, rng: random.Random, start: date, end: date, mean: float) -> list[date]:
        """Days from `start` to `end`, `mean / scale` days apart on average, give or take 30 %."""
        mean = max(3.0, mean / self.scale)
        days: list[date] = []
        day = start + timedelta(days=int(rng.random() * mean))
        while day <= end:
            days.append(day)
            day += timedelta(days=max(1, round(mean * rng.uniform(0.7, 1.3))))
        return days

    def _visit_days(self, rng: random.Random, habit: str, start: date, end: date) -> list[date]:
        if end < start:
            return []
        if habit == "one_off":
            days = [start + timedelta(days=rng.randrange((end - start).days + 1))]
        elif habit == "occasional":
            days = self._series(rng, start, end, rng.uniform(100, 240))
        elif habit == "lapsed":
            days = self._series(rng, start, end, rng.uniform(28, 70))
        else:
            days = self._series(rng, start, end, rng.uniform(21, 56))
        if not days:  # a short stay: still came once
            days = [start + timedelta(days=rng.randrange((end - start).days + 1))]
        # Closed on Sundays: Saturday instead.
        return [d - timedelta(days=1) if d.weekday() == 6 else d for d in days]

    # --- visits --------------------------------------------------------------------------

    def _menu(self, rng: random.Random, row: CustomerRow) -> tuple[int, tuple[int, ...], float]:
        """The customer's usual service, their occasional extras, and how often they add one."""
        interests = _interests(row)
        if row.gender == "male" and rng.random() < 0.85:
            usual = _KIND["men"][0]
            extras: tuple[int, ...] = (_KIND["men"][1], *_KIND["massage"])
        else:
            pick = rng.random()
            usual = next(kinds for share, kinds in _USUAL if pick < share)[rng.randrange(2)]
            extras = (*_KIND["nails"], *_KIND["skin"], *_KIND["massage"], _KIND["cut"][1])
        extra_rate = 0.35 if ("Nails" in interests or "Skincare" in interests) else 0.15
        return usual, extras, extra_rate

    def _price(self, service: int, day: date) -> Decimal:
        """Prices rose about 4 % a year: what the service cost that day, to the half pound."""
        found = self._prices.get((service, day))
        if found is None:
            price = _PRICES[service]
            years = (self.today - day).days / 365
            if years > 0:
                then = price * Decimal(str(round(1 - 0.04 * years, 4)))
                price = ((then / HALF).quantize(Decimal(1), ROUND_HALF_UP) * HALF).quantize(CENT)
            found = self._prices[service, day] = price
        return found

    def _visit(self, rng: random.Random, day: date, n: int, who: _Who) -> VisitRow:
        usual, extras, extra_rate = who.menu
        pct, home = who.pct, who.home
        services = [usual]
        if usual in _KIND["colour"] and n % 3 == 2:
            services.append(_KIND["cut"][0])
        if rng.random() < extra_rate:
            extra = extras[rng.randrange(len(extras))]
            if extra not in services:
                services.append(extra)
        amount = sum((self._price(i, day) for i in services), ZERO)
        discount = ZERO
        if pct:
            discount = (amount * pct / 100).quantize(CENT, ROUND_HALF_UP)
        elif rng.random() < 0.04 and amount >= 20:
            discount = Decimal("5.00")
        if day > self.today:
            status = "booked"
        else:
            r = rng.random()
            status = "completed" if r < 0.9 else "cancelled" if r < 0.96 else "no_show"
        return VisitRow(
            day=day,
            minute=9 * 60 + 15 * rng.randrange(36),
            services=tuple(services),
            amount=amount,
            discount=discount,
            status=status,
            location_slot=home if not who.everywhere or rng.random() < 0.85 else home + 1,
            staff_slot=who.stylist if rng.random() < 0.7 else rng.randrange(16),
        )

    # --- orders --------------------------------------------------------------------------

    def _pick(self, rng: random.Random, table: tuple[tuple[str, ...], list[int]]) -> str:
        values, cum = table
        return values[bisect.bisect(cum, rng.random() * cum[-1])]

    def _order(
        self, rng: random.Random, day: date, minute: int, home: int, pct: Decimal | None
    ) -> OrderRow:
        picked = dict.fromkeys(
            rng.randrange(len(PRODUCTS)) for _ in range(rng.choice((1, 1, 2, 3)))
        )
        lines = tuple((p, 2 if rng.random() < 0.1 else 1) for p in picked)
        subtotal = sum((_PRODUCT_PRICES[p] * q for p, q in lines), ZERO)
        discount = (subtotal * pct / 100).quantize(CENT, ROUND_HALF_UP) if pct else ZERO
        return OrderRow(
            day=day,
            minute=min(minute, 23 * 60),
            lines=lines,
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            method=self._pick(rng, self._order_methods),
            location_slot=home,
        )

    def _refunds(self, rng: random.Random, history: CustomerHistory, home: int) -> None:
        """About 3 % of sales come back within a month: all of it, or one line of it."""
        for i in range(len(history.orders)):
            order = history.orders[i]
            day = order.day + timedelta(days=rng.randint(1, 30))
            if day >= self.today or rng.random() >= 0.03:
                continue
            if order.discount or len(order.lines) == 1:
                lines = tuple((p, -q) for p, q in order.lines)
                subtotal, discount = -order.subtotal, order.discount
            else:
                p, q = order.lines[rng.randrange(len(order.lines))]
                lines = ((p, -q),)
                subtotal, discount = -_PRODUCT_PRICES[p] * q, ZERO
            history.orders.append(
                OrderRow(
                    day=day,
                    minute=10 * 60 + 15 * rng.randrange(30),
                    lines=lines,
                    subtotal=subtotal,
                    discount=discount,
                    total=subtotal + discount,
                    method=order.method,
                    location_slot=home,
                    refund_of=i,
                )
            )

    # --- invoices ------------------------------------------------------------------------

    def _invoices(
        self,
        rng: random.Random,
        history: CustomerHistory,
        start: date,
        end: date,
        home: int,
        *,
        business: bool,
    ) -> None:
        if business:
            days = self._series(rng, start, min(end, self.today), rng.uniform(60, 150))
        else:  # a bridal party or a course of treatments, once
            days = [start + timedelta(days=rng.randrange(max(1, (self.today - start).days)))]
        for issued in days:
            if business:
                amount = Decimal(5 * rng.randint(24, 180)).quantize(CENT)
            else:
                amount = Decimal(10 * rng.randint(18, 65)).quantize(CENT)
            history.invoices.append(self._invoice(rng, issued, amount, home))

    def _invoice(self, rng: random.Random, issued: date, amount: Decimal, home: int) -> InvoiceRow:
        today = self.today
        due = issued + timedelta(days=rng.choice((14, 30, 30)))
        method = self._pick(rng, self._payment_methods)
        terms = (due - issued).days
        r = rng.random()
        payments: list[tuple[date, Decimal, str]] = []
        written_off = None
        if due >= today or (today - due).days < 45:
            # Recent: paid, part-paid or not yet (overdue when the due day has passed).
            if r < 0.45:
                payments.append((issued + timedelta(days=rng.randint(0, terms)), amount, method))
            elif r < 0.6:
                payments.append(
                    (issued + timedelta(days=rng.randint(0, terms)), amount / 2, method)
                )
        elif r < 0.72:  # on time
            payments.append((issued + timedelta(days=rng.randint(0, terms)), amount, method))
        elif r < 0.84:  # late
            payments.append((due + timedelta(days=rng.randint(1, 40)), amount, method))
        elif r < 0.9:  # in two parts, the second late
            half = (amount / 2).quantize(CENT)
            payments.append((issued + timedelta(days=rng.randint(0, terms)), half, method))
            payments.append((due + timedelta(days=rng.randint(1, 40)), amount - half, method))
        elif r < 0.97:  # still owed: nothing, or a first part
            if rng.random() < 0.4:
                payments.append((due - timedelta(days=rng.randint(0, terms)), amount / 2, method))
        else:  # given up on
            written_off = due + timedelta(days=rng.randint(60, 150))
            if rng.random() < 0.3:
                payments.append((due + timedelta(days=rng.randint(1, 30)), amount / 4, method))
        kept = tuple((min(day, today), paid.quantize(CENT), how) for day, paid, how in payments)
        return InvoiceRow(
            issued=issued,
            due=due,
            amount=amount,
            payments=kept,
            written_off=written_off if written_off is not None and written_off <= today else None,
            location_slot=home,
        )


def history_scale(
    customers: CustomerGenerator, *, seed: int, today: date, per_customer: float, start: int = 0
) -> float:
    """The `scale` that gives about `per_customer` history rows per customer, measured on
    the first rows of the load (twice: the count is not quite proportional to the scale)."""
    rows = list(customers.rows(start, CALIBRATION_ROWS))
    scale = 1.0
    for _ in range(2):
        generator = HistoryGenerator(seed, today=today, scale=scale)
        mean = sum(generator.customer(row).events for row in rows) / len(rows)
        scale *= per_customer / max(mean, 0.01)
    return scale
