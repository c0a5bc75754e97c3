"""Read one cell of an import file into the form Regulars stores.

Each parser returns the stored form or raises ValueError whose message is shown to the user
next to the row: a full sentence that quotes the value and says what would be understood.
Parsers are lenient about spelling (case, accents, punctuation, the way other systems write
things) and strict about meaning: a value that could mean two things is refused, not guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache

import phonenumbers
from anyascii import anyascii
from nameparser import HumanName
from nameparser.config import CONSTANTS

from regulars.transfer.targets import IGNORE

MAX_CATEGORY_LENGTH = 100
_QUOTE_MAX = 60  # characters of the value quoted in a message


def _quote(text: str) -> str:
    text = text.strip()
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 1] + "…"
    return f"“{text}”"


def _key(text: str) -> str:
    """Case, accents, spaces and punctuation removed: "Opted-in" and "opted in" are one."""
    return re.sub(r"[^0-9a-z]+", "", anyascii(text).casefold())


# --- Dates -----------------------------------------------------------------------------------

_MONTH_NAMES = (  # English and German, full and abbreviated, as header_key-style keys
    ("january", "jan", "januar", "janner"),
    ("february", "feb", "februar"),
    ("march", "mar", "marz", "maerz"),
    ("april", "apr"),
    ("may", "mai"),
    ("june", "jun", "juni"),
    ("july", "jul", "juli"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct", "oktober", "okt"),
    ("november", "nov"),
    ("december", "dec", "dezember", "dez"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
_WEEKDAYS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
)

_TIME = r"(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?)?"
_YEAR_FIRST = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # vCard BDAY:19850302
_NUMERIC = re.compile(rf"^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{2}}|\d{{4}}){_TIME}$")
_NO_YEAR = re.compile(r"^(?:--\d{2}-?\d{2}|\d{1,2}[-/.]\d{1,2}\.?)$")  # --03-02, 03/02, 2.3.
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, allowing for its 1900 leap-year bug
_SERIAL_RANGE = range(10_000, 80_001)  # 1927-05-18 to 2119-01-10


def _full_year(year: int, digits: int, today: date) -> int:
    """Two-digit years are taken as the most recent such year not after this one: in 2025,
    "25" is 2025 and "26" is 1926. Dates in an import are mostly dates of birth, which are
    never in the future."""
    if digits == 4:
        return year
    century = today.year - today.year % 100
    return century + year if century + year <= today.year else century - 100 + year


def _not_a_date(text: str) -> ValueError:
    return ValueError(f"{_quote(text)} is not a date; use YYYY-MM-DD.")


def _make(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _not_a_date(text) from None


def parse_date(text: str, *, month_first: bool, today: date | None = None) -> date | None:
    """A date written any of the common ways; None for an empty cell.

    Understood: 1985-03-02 (with or without a time), 1985/03/02, 19850302; 02/03/1985,
    2.3.1985 and 2-3-85 read day first, or month first where `month_first` (the
    organization is in the US); 2 March 1985, March 2, 1985, 2-Mar-85 (English or German
    month names); Excel day numbers such as 31108 (1985-03-02). Outlook's "0/0/00" is its
    way of saying "no date" and gives None. A date without a year is refused: half a date
    of birth cannot be stored."""
    text = text.strip()
    if not text:
        return None
    today = today or datetime.now(UTC).date()
    digits = re.sub(r"\D", "", text)
    if digits and set(digits) == {"0"} and not re.search(r"[a-z]", text, re.IGNORECASE):
        return None
    if _NO_YEAR.match(text):
        raise ValueError(f"{_quote(text)} has no year; give the whole date, as YYYY-MM-DD.")
    if m := _YEAR_FIRST.match(text) or _COMPACT.match(text):
        return _make(text, int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.match(text):
        first, second, year = int(m[1]), int(m[2]), _full_year(int(m[3]), len(m[3]), today)
        month, day = (first, second) if month_first else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            pass
        try:
            date(year, day, month)
        except ValueError:
            raise _not_a_date(text) from None
        order = "month/day/year" if month_first else "day/month/year"
        raise ValueError(
            f"{_quote(text)} is not a date in {order} order, the order set for your "
            "organization; use YYYY-MM-DD."
        )
    if m := _SERIAL.match(text):
        serial = int(m[1])
        if serial in _SERIAL_RANGE:
            return _EXCEL_EPOCH + timedelta(days=serial)
        raise _not_a_date(text)
    return _parse_worded_date(text, today)


def _parse_worded_date(text: str, today: date) -> date:
    words = [
        w
        for w in re.split(r"[\s,./-]+", anyascii(text).casefold())
        if w and w not in _WEEKDAYS and w not in {"of", "the"}
    ]
    months = [i for i, w in enumerate(words) if w in _MONTHS]
    numbers = [re.sub(r"(?<=\d)(st|nd|rd|th)$", "", w) for w in words]
    if len(words) != 3 or len(months) != 1:
        raise _not_a_date(text)
    at = months[0]
    others = [numbers[i] for i in range(3) if i != at]
    if not all(o.isdigit() for o in others):
        raise _not_a_date(text)
    month = _MONTHS[words[at]]
    if at == 1 and len(others[0]) == 4:  # 1985 March 2
        year_text, day_text = others
    else:  # 2 March 1985, March 2 1985
        day_text, year_text = others
    if len(year_text) not in (2, 4) or len(day_text) > 2:
        raise _not_a_date(text)
    year = _full_year(int(year_text), len(year_text), today)
    return _make(text, year, month, int(day_text))


# --- Gender, consent, yes/no ---------------------------------------------------------------

_GENDERS: dict[str, str] = {
    **dict.fromkeys(("f", "female", "woman", "w", "frau", "weiblich"), "female"),
    **dict.fromkeys(("m", "male", "man", "mann", "herr", "mannlich"), "male"),
    **dict.fromkeys(
        ("other", "another", "anothergender", "nonbinary", "x", "diverse", "divers", "d"),
        "another",
    ),
    **dict.fromkeys(
        ("prefernottosay", "rathernotsay", "undisclosed", "na", "unknown"), "undisclosed"
    ),
    # Outlook writes "Unspecified" for every contact whose gender nobody entered.
    **dict.fromkeys(("", "unspecified", "notspecified"), ""),
}


def parse_gender(text: str) -> str:
    """female, male, another or undisclosed; "" for an empty cell (and for Outlook's
    "Unspecified", which is its empty value, not a choice the customer made)."""
    try:
        return _GENDERS[_key(text)]
    except KeyError:
        raise ValueError(
            f"{_quote(text)} is not a gender Regulars knows; use female, male, another "
            "or undisclosed."
        ) from None


_OPTED_IN = "opted_in"
_OPTED_OUT = "opted_out"
_CONSENTS: dict[str, str | None] = {
    **dict.fromkeys(
        (
            "yes",
            "y",
            "true",
            "1",
            "x",
            "ja",
            "subscribed",
            "optedin",
            "optin",
            "singleoptin",
            "doubleoptin",
            "accepts",
            "accepted",
            "confirmed",
            "consented",
            "marketingcontact",  # HubSpot
        ),
        _OPTED_IN,
    ),
    **dict.fromkeys(
        (
            "no",
            "n",
            "false",
            "0",
            "nein",
            "unsubscribed",
            "optedout",
            "optout",
            "declined",
            "refused",
            "notsubscribed",
            "nonsubscribed",
            "cleaned",
        ),
        _OPTED_OUT,
    ),
    # Nothing said: the customer's consent is left as it is.
    **dict.fromkeys(
        ("", "unknown", "pending", "notset", "subscriptionpending", "nonmarketingcontact"),
        None,
    ),
}


def parse_consent(text: str) -> str | None:
    """ "opted_in", "opted_out", or None for "nothing said, leave it as it is".

    Understands the words of the systems people move from: Shopify's yes/no, Square's and
    Mailchimp's subscribed/unsubscribed/cleaned, HubSpot's "Marketing contact" (a
    "Non-marketing contact" has said nothing, so it is None)."""
    try:
        return _CONSENTS[_key(text)]
    except KeyError:
        raise ValueError(
            f"{_quote(text)} is not a consent Regulars knows; use yes or no, or leave the "
            "cell empty to keep the customer's current consent."
        ) from None


_BOOLS: dict[str, bool | None] = {
    **dict.fromkeys(("yes", "y", "true", "1", "x", "ja", "j", "on"), True),
    **dict.fromkeys(("no", "n", "false", "0", "nein", "off"), False),
    "": None,
}


def parse_bool(text: str) -> bool | None:
    """True, False, or None for an empty cell."""
    try:
        return _BOOLS[_key(text)]
    except KeyError:
        raise ValueError(f"{_quote(text)} is neither yes nor no; use yes or no.") from None


# --- Countries -----------------------------------------------------------------------------

# Names phonenumbers does not carry, or carries under another name; and the parts of the
# United Kingdom, which people write as their country.
COUNTRY_ALIASES: dict[str, str] = {
    "USA": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "GBR": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Holland": "NL",
    "Czechia": "CZ",
    "North Macedonia": "MK",
    "Türkiye": "TR",
    "Korea": "KR",
    "Republic of Korea": "KR",
    "Eswatini": "SZ",
    "Ivory Coast": "CI",
    "Cabo Verde": "CV",
    "Vatican City": "VA",
    "Democratic Republic of the Congo": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "Republic of Ireland": "IE",
    "Eire": "IE",
    "Russian Federation": "RU",
    "Burma": "MM",
    "East Timor": "TL",
    "Viet Nam": "VN",
}
# Names are read in these languages (all in Latin script, none of their names collide).
_NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")


@cache
def _country_names() -> dict[str, str]:
    """Country name key → ISO code, from the names phonenumbers ships for its geocoder.

    Its table stores a name once and points other languages at it ("*aa" is "as in
    language aa"), so references are followed. Imported here, not at the top: the table
    takes a noticeable moment to load and most imports never need it."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    def resolve(names: dict[str, str], language: str) -> str:
        name = names.get(language, "")
        for _ in range(len(names)):
            if not name.startswith("*"):
                break
            name = names.get(name[1:], "")
        return name

    found: dict[str, str] = {}
    for language in _NAME_LANGUAGES:
        for region, names in LOCALE_DATA.items():
            name = _key(resolve(names, language))
            if len(region) == 2 and name:
                found.setdefault(name, region)
                found.setdefault(name.removeprefix("the"), region)
    for alias, region in COUNTRY_ALIASES.items():
        found[_key(alias)] = region
    return found


def parse_country(text: str, *, default: str = "") -> str:
    """The ISO 3166 two-letter code of a country given by code or by name; `default` (the
    organization's country) for an empty cell.

    Codes are the ones phonenumbers knows a numbering plan for, plus UK for GB. Names are
    English ones, and the German, French, Spanish, Italian, Dutch and Portuguese names
    phonenumbers carries (Deutschland, Royaume-Uni), plus the aliases above."""
    stripped = text.strip()
    if not stripped:
        return default
    if re.fullmatch(r"[A-Za-z]{2}", stripped):
        code = stripped.upper()
        code = COUNTRY_ALIASES.get(code, code)
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    else:
        key = _key(stripped)
        found = _country_names().get(key) or _country_names().get(key.removeprefix("the"))
        if found:
            return found
    raise ValueError(
        f"{_quote(text)} is not a country Regulars knows; use a two-letter code such as GB "
        "or US, or the country's English name."
    )


# --- Categories ----------------------------------------------------------------------------

# Google's own groups, written with a leading "* " in its exports; they are how Google
# files contacts, not categories the business chose.
GOOGLE_SYSTEM_GROUPS = frozenset({"mycontacts", "starred", "friends", "family", "coworkers"})
_CHUNKS = re.compile(r"\s*:::\s*|[\r\n]+")
_ITEMS = re.compile(r'\s*"((?:[^"]|"")*)"\s*|([^;,]+)')
_QUOTES = "\"'“”‘’ \t"


def split_categories(text: str) -> list[str]:
    """Category names from one cell.

    Separators: ";", ",", a new line, and Google's " ::: ". Mailchimp's quoted tags
    ("VIP","Newsletter") are unquoted, and a comma inside quotes stays in the name. Google's
    system groups ("* myContacts", "* starred", legacy "System Group: My Contacts") are
    dropped; any other "* " prefix is removed. Names are de-duplicated regardless of case,
    keeping the first spelling."""
    names: list[str] = []
    seen: set[str] = set()
    for chunk in _CHUNKS.split(text):
        for match in _ITEMS.finditer(chunk):
            quoted, plain = match.groups()
            name = quoted.replace('""', '"') if quoted is not None else plain
            name = name.strip(_QUOTES)
            if name.startswith("* "):
                name = name[2:].strip()
                if _key(name) in GOOGLE_SYSTEM_GROUPS:
                    continue
            if not name or name.casefold().startswith("system group:"):
                continue
            if len(name) > MAX_CATEGORY_LENGTH:
                raise ValueError(
                    f"The category {_quote(name)} is {len(name)} characters long; category "
                    f"names can have at most {MAX_CATEGORY_LENGTH} characters."
                )
            if name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names


# --- Names and phones ----------------------------------------------------------------------


def split_full_name(text: str) -> tuple[str, str]:
    """(first name, last name) from a whole name in one cell, using nameparser.

    Middle names join the first name ("Mary Ann Smith" → "Mary Ann", "Smith"), because
    Regulars has no middle name and people are greeted by it; particles stay with the last
    name ("Jan van der Berg" → "Jan", "van der Berg"); titles, suffixes and nicknames are
    dropped; "Smith, John" is read last name first. One word is taken as the first name
    ("Cher" → "Cher", ""): a shop knows its regulars by first name. A name that starts with
    a particle and has no first name ("van Gogh") is all last name."""
    parsed = HumanName(text.strip())
    first, middle, last = parsed.first, parsed.middle, parsed.last
    if first and not middle and last and first.casefold() in CONSTANTS.prefixes:
        return "", f"{first} {last}"
    return " ".join(p for p in (first, middle) if p), last


_FAX_OR_PAGER = ("fax", "pager", "telex", "tty")
_MOBILE = ("mobile", "mobil", "cell", "handy", "iphone")
_HOME = ("home", "private", "privat", "personal", "residence", "zuhause")
_WORK = ("work", "business", "office", "company", "arbeit", "geschaft", "buro", "dienst")


def phone_kind(type_cell: str) -> str | None:
    """The phone slot a typed phone goes in, from the cell naming its kind (Google's
    "Phone 1 - Label": "Mobile", "* Home", "Work Fax").

    "phone_mobile", "phone_home" or "phone_work"; None for "any free slot" (Other, Main,
    Google Voice, a custom label, an empty cell); IGNORE ("ignore") for faxes and pagers,
    which are not numbers to call or text the customer on. A mobile is a mobile whatever
    else the label says ("Work Mobile"), as it is the one that receives texts."""
    key = _key(type_cell)
    for words, kind in (
        (_FAX_OR_PAGER, IGNORE),
        (_MOBILE, "phone_mobile"),
        (_HOME, "phone_home"),
        (_WORK, "phone_work"),
    ):
        if any(word in key for word in words):
            return kind
    return None
