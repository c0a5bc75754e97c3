"""The customer generator: realistic, reproducible rows, independent of Django.

`CustomerGenerator(seed).rows(start, count)` yields the same `CustomerRow`s for the same
seed and index whatever slice is asked for: row *i* is drawn from its own random stream, so
a benchmark can regenerate any slice of a million-row load without the rows before it.

Rows carry contact values twice: as typed (`*_raw`: national and international phone
formats, emails with stray case and spaces) for import benchmarks, and normalised (E.164,
`normalize_email`'s form) as Regulars stores them. Phones are built from digits in real
number ranges (places.py), so the E.164 form is known without parsing.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from regulars.customers.rows import CustomerRow, ReminderRow
from regulars.demo import names
from regulars.demo.places import COUNTRIES, Country, international, national, number, postal_code

# Dates of birth and custom dates count back from a fixed day, so rows never depend on today.
REFERENCE_DAY = date(2025, 1, 1)
MAX_INDEX = 1 << 40


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    field_type: str  # a CustomFieldType value
    options: tuple[str, ...] = ()


# The demo organization's categories (name, colour) and custom fields, one of each type.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("Regular", "#0f766e"),
    ("VIP", "#b45309"),
    ("New", "#2563eb"),
    ("Wholesale", "#7c3aed"),
    ("At risk", "#dc2626"),
    ("Staff & family", "#db2777"),
)
CATEGORY_WEIGHTS = (40, 8, 20, 5, 10, 2)
CUSTOM_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("allergies", "Allergies", "text"),
    FieldSpec("referrals", "Referrals made", "number"),
    FieldSpec("member_since", "Member since", "date"),
    FieldSpec("printed_newsletter", "Wants the printed newsletter", "bool"),
    FieldSpec("hair_type", "Hair type", "choice", ("Straight", "Wavy", "Curly", "Coily")),
    FieldSpec(
        "interests",
        "Interests",
        "multi",
        ("Colour", "Cuts", "Nails", "Skincare", "Massage", "Retail"),
    ),
)
ALLERGIES = (
    "Latex",
    "Nickel",
    "PPD (hair dye)",
    "Fragrance",
    "Nuts — keep snacks away",
    "None known",
)

GENDERS_OTHER = ("another", "undisclosed", "")
SOURCES = ("manual", "import", "online", "pos", "appointment", "portal", "api")
SOURCE_WEIGHTS = (50, 20, 10, 8, 8, 2, 2)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "post.example.org")
LINE2 = ("Flat 3", "Apt 4B", "2nd floor", "Unit 12", "c/o Reception", "Suite 200", "Wohnung 5")


def _weighted(values: Sequence[str], weights: Sequence[int]) -> tuple[tuple[str, ...], list[int]]:
    return tuple(values), list(accumulate(weights))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(names.ASCII_FOLD))
    return "".join(ch for ch in folded.encode("ascii", "ignore").decode().lower() if ch.isalnum())


def luhn(digits: str) -> str:
    """`digits` with its Luhn check digit appended (as card numbers carry)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


class CustomerGenerator:
    """Deterministic customers for a seed; `region` is the organization's country.

    `tag` goes into emails, card numbers and external ids, so loads with different tags
    into one organization never collide on them. `email_rate` and `duplicate_rate` tune
    how many rows have an email and how many are near-duplicates of an earlier row.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        region: str = "GB",
        tag: str = "",
        email_rate: float = 0.88,
        duplicate_rate: float = 0.01,
    ) -> None:
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = seed
        self.region = region.upper()
        self.tag = tag
        self.email_rate = email_rate
        self.duplicate_rate = duplicate_rate
        self.home: Country | None = COUNTRIES.get(self.region)
        self._cultures = names.CULTURES
        self._culture_cum = list(accumulate(c.weight for c in self._cultures))
        self._categories = _weighted([c for c, _ in CATEGORIES], CATEGORY_WEIGHTS)
        self._sources = _weighted(SOURCES, SOURCE_WEIGHTS)

    def rows(self, start: int, count: int) -> Iterator[CustomerRow]:
        for index in range(start, start + count):
            yield self.row(index)

    def row(self, index: int) -> CustomerRow:
        if not 0 <= index < MAX_INDEX:
            raise ValueError(f"index must be in [0, {MAX_INDEX})")
        rng = random.Random(self.seed * MAX_INDEX + index)  # noqa: S311 (sample data)
        row = self._fresh(index, rng)
        if index and rng.random() < self.duplicate_rate:
            low = max(0, index - 50_000)
            other = rng.randrange(low, index)
            row = self._duplicate(row, self.row_unduplicated(other), rng)
        return row

    def row_unduplicated(self, index: int) -> CustomerRow:
        return self._fresh(index, random.Random(self.seed * MAX_INDEX + index))  # noqa: S311

    # --- one row ---------------------------------------------------------------------

    def _pick(self, rng: random.Random, table: tuple[tuple[str, ...], list[int]]) -> str:
        values, cum = table
        return values[bisect.bisect(cum, rng.random() * cum[-1])]

    def _fresh(self, index: int, rng: random.Random) -> CustomerRow:
        r = rng.random
        culture = self._cultures[bisect.bisect(self._culture_cum, r() * self._culture_cum[-1])]
        female = r() < 0.52
        firsts = culture.female if female else culture.male
        first = firsts[rng.randrange(len(firsts))]
        last = culture.last[rng.randrange(len(culture.last))]
        g = r()
        gender = ("female" if female else "male") if g < 0.88 else GENDERS_OTHER[int(g * 100) % 3]

        if self.home is not None and r() < 0.75:
            country = self.home
        else:
            country = COUNTRIES[culture.countries[rng.randrange(len(culture.countries))]]

        company = self._company(rng, last) if r() < 0.15 else ""
        email_raw = email = ""
        if r() < self.email_rate:
            email_raw, email = self._email(rng, first, last, index)
        mobile_raw, mobile = self._phone(rng, country, mobile=True) if r() < 0.8 else ("", "")
        home_raw, home = self._phone(rng, country, mobile=False) if r() < 0.25 else ("", "")
        work_raw, work = ("", "")
        if r() < (0.5 if company else 0.08):
            work_raw, work = self._phone(rng, country, mobile=False)

        line1 = line2 = city = region = post = ""
        if r() < 0.8:
            street = country.streets[rng.randrange(len(country.streets))]
            house = str(rng.randrange(1, 240))
            line1 = f"{house} {street}" if country.house_first else f"{street} {house}"
            if r() < 0.12:
                line2 = LINE2[rng.randrange(len(LINE2))]
            city, region, pattern = country.cities[rng.randrange(len(country.cities))]
            post = postal_code(rng, pattern)

        dob = None
        if r() < 0.7:
            age_days = int(rng.triangular(16, 90, 38) * 365.25)
            dob = REFERENCE_DAY - timedelta(days=age_days)

        card = luhn(f"40{index:010d}") if r() < 0.45 else ""
        if card and self.tag:
            card = f"{self.tag}{card}"
        external = f"POS-{self.tag}{index:08d}" if r() < 0.25 else ""

        email_state = sms_state = "unknown"
        if email:
            c = r()
            email_state = "opted_in" if c < 0.45 else "opted_out" if c < 0.55 else "unknown"
        if mobile:
            c = r()
            sms_state = "opted_in" if c < 0.3 else "opted_out" if c < 0.38 else "unknown"
        discount = None
        if r() < 0.08:
            discount = Decimal((5, 10, 15, 20)[rng.randrange(4)])

        n_categories = bisect.bisect((0.4, 0.75, 0.95, 1.0), r())
        categories = tuple(
            dict.fromkeys(self._pick(rng, self._categories) for _ in range(n_categories))
        )
        notes: tuple[str, ...] = ()
        if r() < 0.2:
            notes = tuple(
                names.NOTES[rng.randrange(len(names.NOTES))] for _ in range(rng.randint(1, 3))
            )
        reminder = None
        if r() < 0.05:
            due = rng.randint(-20, 60)
            reminder = ReminderRow(
                text=names.REMINDERS[rng.randrange(len(names.REMINDERS))],
                due_in_days=due,
                assignee_slot=rng.randrange(16),
                done=due < 0 and r() < 0.5,
            )

        return CustomerRow(
            index=index,
            first_name=first,
            last_name=last,
            company=company,
            email_raw=email_raw,
            email=email,
            phone_mobile_raw=mobile_raw,
            phone_mobile=mobile,
            phone_home_raw=home_raw,
            phone_home=home,
            phone_work_raw=work_raw,
            phone_work=work,
            address_line1=line1,
            address_line2=line2,
            city=city,
            region=region,
            postal_code=post,
            country=country.code if line1 else "",
            date_of_birth=dob,
            gender=gender,
            loyalty_card=card,
            external_id=external,
            status="deactivated" if r() < 0.03 else "active",
            source=self._pick(rng, self._sources),
            discount_percent=discount,
            email_consent=email_state,
            sms_consent=sms_state,
            email_blocked=bool(email) and r() < 0.01,
            sms_blocked=bool(mobile) and r() < 0.01,
            all_locations=r() < 0.6,
            location_slot=rng.randrange(16),
            created_days_ago=int(rng.random() ** 1.6 * 6 * 365),
            categories=categories,
            custom=self._custom(rng),
            notes=notes,
            reminder=reminder,
        )

    def _company(self, rng: random.Random, last: str) -> str:
        c = rng.random()
        if c < 0.1:
            return names.COMPANY_FIXED[rng.randrange(len(names.COMPANY_FIXED))]
        suffix = names.COMPANY_SUFFIXES[rng.randrange(len(names.COMPANY_SUFFIXES))]
        kind = names.COMPANY_KINDS[rng.randrange(len(names.COMPANY_KINDS))]
        head = last if c < 0.4 else names.COMPANY_WORDS[rng.randrange(len(names.COMPANY_WORDS))]
        return f"{head} {kind} {suffix}".strip()

    def _email(self, rng: random.Random, first: str, last: str, index: int) -> tuple[str, str]:
        f, l_ = _ascii(first) or "customer", _ascii(last) or "x"
        pattern = rng.randrange(5)
        base = (f"{f}.{l_}", f"{f}{l_}", f"{f[0]}.{l_}", f"{f}_{l_}", f"{l_}.{f}")[pattern]
        suffix = f".{self.tag}{index}" if self.tag else str(index)
        local = base + suffix
        domain = DOMAINS[rng.randrange(len(DOMAINS))]
        style = rng.random()
        if style < 0.08:
            # Typed with capitals: the domain is stored lower case, the local part as typed.
            local = ".".join(p[:1].upper() + p[1:] for p in base.split(".")) + suffix
            return f"{local}@{domain.upper()}", f"{local}@{domain}"
        if style < 0.14:
            return f"  {local}@{domain} ", f"{local}@{domain}"
        return f"{local}@{domain}", f"{local}@{domain}"

    def _phone(self, rng: random.Random, country: Country, *, mobile: bool) -> tuple[str, str]:
        nsn = number(rng, country.mobile if mobile else country.landline)
        style = rng.randrange(4)
        if country is self.home and rng.random() < 0.6:
            raw = national(country, nsn, style)
        else:
            raw = international(country, nsn, style, self.home)
        return raw, f"+{country.calling_code}{nsn}"

    def _custom(self, rng: random.Random) -> dict[str, object]:
        r = rng.random
        values: dict[str, object] = {}
        if r() < 0.25:
            values["allergies"] = ALLERGIES[rng.randrange(len(ALLERGIES))]
        if r() < 0.4:
            values["referrals"] = Decimal(rng.randrange(0, 12))
        if r() < 0.3:
            values["member_since"] = REFERENCE_DAY - timedelta(days=rng.randrange(1, 3650))
        if r() < 0.5:
            values["printed_newsletter"] = r() < 0.3
        if r() < 0.5:
            values["hair_type"] = CUSTOM_FIELDS[4].options[rng.randrange(4)]
        if r() < 0.3:
            options = CUSTOM_FIELDS[5].options
            values["interests"] = tuple(sorted(set(rng.sample(options, rng.randint(1, 3)))))
        return values

    # --- near-duplicates -----------------------------------------------------------

    def _duplicate(self, row: CustomerRow, other: CustomerRow, rng: random.Random) -> CustomerRow:
        """`row` (own identifiers and extras) re-entered as the person of `other`, as people
        re-enter themselves: accents dropped, a typo, a phone typed another way."""
        first, last = other.first_name, other.last_name
        change = rng.randrange(4)
        if change == 0:
            first = unicodedata.normalize("NFKD", first.translate(names.ASCII_FOLD))
            first = "".join(ch for ch in first if not unicodedata.combining(ch))
        elif change == 1 and len(last) > 3:
            i = rng.randrange(1, len(last) - 1)
            last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
        elif change == 2:
            first = first.upper() if rng.random() < 0.5 else first.lower()
        mobile_raw = other.phone_mobile_raw
        if other.phone_mobile and rng.random() < 0.5:
            cc = next(
                c.calling_code
                for c in COUNTRIES.values()
                if other.phone_mobile.startswith("+" + c.calling_code)
            )
            mobile_raw = "+" + cc + " " + other.phone_mobile[1 + len(cc) :]
        keep_email = rng.random() < 0.6
        return replace(
            row,
            first_name=first,
            last_name=last,
            email_raw=other.email_raw if keep_email else row.email_raw,
            email=other.email if keep_email else row.email,
            phone_mobile_raw=mobile_raw,
            phone_mobile=other.phone_mobile,
            address_line1=other.address_line1,
            address_line2=other.address_line2,
            city=other.city,
            region=other.region,
            postal_code=other.postal_code,
            country=other.country,
            date_of_birth=other.date_of_birth if rng.random() < 0.8 else row.date_of_birth,
            duplicate_of=other.index,
        )
