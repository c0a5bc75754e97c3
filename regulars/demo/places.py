"""Countries for generated customers: addresses and phone numbers in real number ranges.

Each phone plan builds the national significant number from digits, so the E.164 form is
known without calling `phonenumbers` (too slow for a million rows); the tests check a
sample against `normalize_phone` and `phonenumbers.is_valid_number`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Grouping = tuple[int, ...]


@dataclass(frozen=True)
class NumberRange:
    """Numbers starting with one of `prefixes`, `length` digits long (national significant)."""

    prefixes: tuple[str, ...]
    length: int
    # How the national significant number is grouped when written, e.g. (4, 6) for 7700 900123.
    groups: Grouping
    # Groupings for some prefixes (area codes of other lengths), first match wins.
    groups_for: tuple[tuple[str, Grouping], ...] = ()

    def grouping(self, nsn: str) -> Grouping:
        for prefix, groups in self.groups_for:
            if nsn.startswith(prefix):
                return groups
        return self.groups


@dataclass(frozen=True)
class Country:
    code: str
    calling_code: str
    # Dialled before the national significant number inside the country ("0"), or "".
    trunk: str
    # Dialled before a foreign calling code from inside the country ("00", "011").
    idd: str
    mobile: NumberRange
    landline: NumberRange
    cities: tuple[tuple[str, str, str], ...]  # (city, region, postal code pattern)
    streets: tuple[str, ...]
    # "{n} {street}" or "{street} {n}".
    house_first: bool = True
    # Written national numbers: how an area code is wrapped, e.g. "(02)" in Australia.
    bracket_area: bool = False


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n) if n else ""


def postal_code(rng: random.Random, pattern: str) -> str:
    """`#` is a digit, `@` a capital letter; anything else is copied."""
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(rng.randrange(10)))
        elif ch == "@":
            out.append("ABDEFGHJLNPQRSTUWXYZ"[rng.randrange(20)])
        else:
            out.append(ch)
    return "".join(out)


def number(rng: random.Random, plan: NumberRange) -> str:
    prefix = plan.prefixes[rng.randrange(len(plan.prefixes))]
    return prefix + _digits(rng, plan.length - len(prefix))


def group(nsn: str, groups: Grouping, sep: str) -> str:
    parts, at = [], 0
    for size in groups:
        parts.append(nsn[at : at + size])
        at += size
    if at < len(nsn):
        parts.append(nsn[at:])
    return sep.join(p for p in parts if p)


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country(
            "GB",
            "44",
            "0",
            "00",
            mobile=NumberRange(
                ("7400", "7412", "7500", "7709", "7723", "7800", "7900", "7958"), 10, (4, 6)
            ),
            landline=NumberRange(
                ("2079", "2071", "1614", "1174", "1273"),
                10,
                (2, 4, 4),
                (("161", (3, 3, 4)), ("117", (3, 3, 4)), ("1273", (4, 6))),
            ),
            cities=(
                ("London", "", "@# #@@"),
                ("Brighton", "East Sussex", "BN# #@@"),
                ("Manchester", "", "M## #@@"),
                ("Bristol", "", "BS# #@@"),
                ("Edinburgh", "Scotland", "EH# #@@"),
                ("Cardiff", "Wales", "CF## #@@"),
                ("Leeds", "West Yorkshire", "LS# #@@"),
            ),
            streets=(
                "Harbour Street",
                "Market Lane",
                "Church Road",
                "Station Road",
                "Queen's Avenue",
                "High Street",
                "Victoria Terrace",
                "Mill Lane",
            ),
        ),
        Country(
            "US",
            "1",
            "",
            "011",
            mobile=NumberRange(
                ("4157", "2127", "3124", "6173", "2068", "3036", "5126", "3059"), 10, (3, 3, 4)
            ),
            landline=NumberRange(("4048", "7023", "6462", "2134", "7206"), 10, (3, 3, 4)),
            cities=(
                ("San Francisco", "CA", "941##"),
                ("New York", "NY", "100##"),
                ("Chicago", "IL", "606##"),
                ("Boston", "MA", "021##"),
                ("Seattle", "WA", "981##"),
                ("Austin", "TX", "787##"),
            ),
            streets=(
                "Oak Street",
                "Maple Avenue",
                "Sunset Blvd",
                "Main Street",
                "Elm Court",
                "5th Avenue",
            ),
        ),
        Country(
            "DE",
            "49",
            "0",
            "00",
            mobile=NumberRange(("151", "152", "157", "159", "160", "170", "176"), 11, (3, 8)),
            landline=NumberRange(("30", "89", "40", "221"), 10, (2, 8)),
            cities=(
                ("Berlin", "", "10###"),
                ("München", "Bayern", "80###"),
                ("Hamburg", "", "20###"),
                ("Köln", "NRW", "50###"),
            ),
            streets=("Hauptstraße", "Bahnhofstraße", "Schloßallee", "Gartenweg", "Müllerstraße"),
            house_first=False,
        ),
        Country(
            "FR",
            "33",
            "0",
            "00",
            mobile=NumberRange(
                ("61", "62", "64", "65", "66", "67", "68", "77", "78"), 9, (1, 2, 2, 2, 2)
            ),
            landline=NumberRange(("14", "15", "47", "49"), 9, (1, 2, 2, 2, 2)),
            cities=(
                ("Paris", "Île-de-France", "750##"),
                ("Lyon", "", "6900#"),
                ("Marseille", "", "130##"),
                ("Nantes", "", "44000"),
            ),
            streets=(
                "rue de la Paix",
                "avenue des Champs-Élysées",
                "rue Saint-Honoré",
                "boulevard Voltaire",
            ),
        ),
        Country(
            "AU",
            "61",
            "0",
            "0011",
            mobile=NumberRange(("41", "42", "43"), 9, (3, 3, 3)),
            landline=NumberRange(("29", "39", "73"), 9, (1, 4, 4)),
            cities=(
                ("Sydney", "NSW", "20##"),
                ("Melbourne", "VIC", "30##"),
                ("Brisbane", "QLD", "40##"),
                ("Perth", "WA", "60##"),
            ),
            streets=("George Street", "Collins Street", "Queen Street", "Beach Road"),
            bracket_area=True,
        ),
        Country(
            "IE",
            "353",
            "0",
            "00",
            mobile=NumberRange(("83", "85", "86", "87", "89"), 9, (2, 3, 4)),
            landline=NumberRange(("1",), 8, (1, 3, 4)),
            cities=(("Dublin", "Co. Dublin", "D0# @@##"), ("Cork", "Co. Cork", "T12 @@##")),
            streets=("O'Connell Street", "Grafton Street", "Patrick Street"),
        ),
        Country(
            "PL",
            "48",
            "",
            "00",
            mobile=NumberRange(
                ("50", "51", "53", "60", "66", "69", "72", "79", "88"), 9, (3, 3, 3)
            ),
            landline=NumberRange(("22", "12", "71"), 9, (2, 3, 2, 2)),
            cities=(
                ("Warszawa", "mazowieckie", "0#-###"),
                ("Kraków", "małopolskie", "3#-###"),
                ("Łódź", "łódzkie", "9#-###"),
            ),
            streets=("ul. Marszałkowska", "ul. Długa", "ul. Źródlana"),
            house_first=False,
        ),
        Country(
            "NO",
            "47",
            "",
            "00",
            mobile=NumberRange(("40", "41", "46", "47", "48", "9"), 8, (3, 2, 3)),
            landline=NumberRange(("22", "55"), 8, (2, 2, 2, 2)),
            cities=(("Oslo", "", "0###"), ("Bergen", "", "50##"), ("Tromsø", "", "90##")),
            streets=("Storgata", "Kirkeveien", "Løkkeveien", "Bryggen"),
            house_first=False,
        ),
        Country(
            "DK",
            "45",
            "",
            "00",
            mobile=NumberRange(("201", "302", "403", "504", "605", "216", "227"), 8, (2, 2, 2, 2)),
            landline=NumberRange(("331", "332", "861", "862"), 8, (2, 2, 2, 2)),
            cities=(("København", "", "1###"), ("Aarhus", "", "8000"), ("Odense", "", "5000")),
            streets=("Østergade", "Nørrebrogade", "Strandvejen"),
            house_first=False,
        ),
        Country(
            "ES",
            "34",
            "",
            "00",
            mobile=NumberRange(("60", "61", "62", "65", "66", "67", "68", "69"), 9, (3, 2, 2, 2)),
            landline=NumberRange(("91", "93"), 9, (2, 3, 2, 2)),
            cities=(
                ("Madrid", "Madrid", "280##"),
                ("Barcelona", "Cataluña", "080##"),
                ("Sevilla", "Andalucía", "410##"),
            ),
            streets=("Calle Mayor", "Avenida de España", "Calle de Alcalá", "Plaça Catalunya"),
            house_first=False,
        ),
        Country(
            "NL",
            "31",
            "0",
            "00",
            mobile=NumberRange(("61", "62", "64", "65"), 9, (1, 8)),
            landline=NumberRange(("20", "10"), 9, (2, 7)),
            cities=(
                ("Amsterdam", "Noord-Holland", "10## @@"),
                ("Rotterdam", "Zuid-Holland", "30## @@"),
            ),
            streets=("Prinsengracht", "Keizersgracht", "Coolsingel"),
            house_first=False,
        ),
        Country(
            "HR",
            "385",
            "0",
            "00",
            mobile=NumberRange(("91", "92", "95", "98", "99"), 9, (2, 3, 4)),
            landline=NumberRange(("1",), 8, (1, 3, 4)),
            cities=(("Zagreb", "", "10000"), ("Split", "", "21000")),
            streets=("Ilica", "Vukovarska ulica", "Ulica Đure Đakovića"),
            house_first=False,
        ),
    )
}


def _grouping(country: Country, nsn: str) -> Grouping:
    plan = country.mobile if nsn.startswith(country.mobile.prefixes) else country.landline
    return plan.grouping(nsn)


def national(country: Country, nsn: str, style: int) -> str:
    """The number as typed inside its country, in one of a few styles."""
    trunk = country.trunk
    if country.code == "US":
        area, rest = nsn[:3], nsn[3:]
        return (
            f"({area}) {rest[:3]}-{rest[3:]}",
            f"{area}-{rest[:3]}-{rest[3:]}",
            f"{area}.{rest[:3]}.{rest[3:]}",
            f"1 {area} {rest[:3]} {rest[3:]}",
        )[style % 4]
    groups = _grouping(country, nsn)
    if style % 4 == 0:
        return trunk + group(nsn, groups, " ")
    if style % 4 == 1:
        return trunk + nsn
    if style % 4 == 2 and country.bracket_area and trunk:
        head = groups[0]
        return f"({trunk}{nsn[:head]}) {group(nsn[head:], groups[1:], ' ')}"
    return trunk + group(nsn, groups, "-")


def international(country: Country, nsn: str, style: int, home: Country | None) -> str:
    """The number as typed with its country code: +CC, or the home country's IDD."""
    groups = _grouping(country, nsn)
    cc = country.calling_code
    if style % 4 == 0:
        return f"+{cc} {group(nsn, groups, ' ')}"
    if style % 4 == 1:
        return f"+{cc}{nsn}"
    if style % 4 == 2 and home is not None:
        return f"{home.idd}{cc} {group(nsn, groups, ' ')}"
    return f"+{cc}-{group(nsn, groups, '-')}"
