"""Cell parsers: every accepted spelling, and the messages the user sees for the rest."""

from __future__ import annotations

from datetime import date

import pytest

from regulars.transfer.targets import IGNORE
from regulars.transfer.values import (
    parse_bool,
    parse_consent,
    parse_country,
    parse_date,
    parse_gender,
    phone_kind,
    split_categories,
    split_full_name,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("text", "month_first", "expected"),
    [
        ("", False, None),
        ("   ", True, None),
        ("1985-03-02", False, date(1985, 3, 2)),
        ("1985-03-02", True, date(1985, 3, 2)),
        ("1985-3-2", False, date(1985, 3, 2)),
        ("1985/03/02", False, date(1985, 3, 2)),
        ("1985.03.02", True, date(1985, 3, 2)),
        ("19850302", False, date(1985, 3, 2)),
        ("1985-03-02T00:00:00", False, date(1985, 3, 2)),
        ("1985-03-02 00:00:00", False, date(1985, 3, 2)),
        ("1985-03-02T10:30:00Z", False, date(1985, 3, 2)),
        ("02/03/1985", False, date(1985, 3, 2)),
        ("02/03/1985", True, date(1985, 2, 3)),
        ("3/2/1985", True, date(1985, 3, 2)),
        ("3/2/1985 12:00:00 AM", True, date(1985, 3, 2)),
        ("2.3.1985", False, date(1985, 3, 2)),
        ("2-3-85", False, date(1985, 3, 2)),
        ("2-3-25", False, date(2025, 3, 2)),
        ("2-3-26", False, date(1926, 3, 2)),
        ("02/03/00", False, date(2000, 3, 2)),
        ("2 March 1985", False, date(1985, 3, 2)),
        ("2 March 1985", True, date(1985, 3, 2)),
        ("March 2, 1985", False, date(1985, 3, 2)),
        ("2 Mar 1985", False, date(1985, 3, 2)),
        ("2nd March 1985", False, date(1985, 3, 2)),
        ("March 2nd, 1985", True, date(1985, 3, 2)),
        ("2-Mar-85", False, date(1985, 3, 2)),
        ("Sept 30 1990", False, date(1990, 9, 30)),
        ("Saturday, 2 March 1985", False, date(1985, 3, 2)),
        ("2. März 1985", False, date(1985, 3, 2)),
        ("1985 March 2", False, date(1985, 3, 2)),
        ("31108", False, date(1985, 3, 2)),
        ("31108.0", False, date(1985, 3, 2)),
        ("0/0/00", True, None),
        ("00.00.0000", False, None),
    ],
)
def test_parse_date(text: str, month_first: bool, expected: date | None) -> None:
    assert parse_date(text, month_first=month_first, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "month_first", "message"),
    [
        ("31/02/1985", False, "“31/02/1985” is not a date; use YYYY-MM-DD."),
        ("1985-02-30", False, "“1985-02-30” is not a date; use YYYY-MM-DD."),
        ("soon", False, "“soon” is not a date; use YYYY-MM-DD."),
        ("30 Febtember 1985", False, "“30 Febtember 1985” is not a date; use YYYY-MM-DD."),
        ("31 February 1985", False, "“31 February 1985” is not a date; use YYYY-MM-DD."),
        ("1985", False, "“1985” is not a date; use YYYY-MM-DD."),
        ("99999", False, "“99999” is not a date; use YYYY-MM-DD."),
        ("March 1985", False, "“March 1985” is not a date; use YYYY-MM-DD."),
        (
            "25/12/1985",
            True,
            (
                "“25/12/1985” is not a date in month/day/year order, the order set for your "
                "organization; use YYYY-MM-DD."
            ),
        ),
        (
            "12/25/1985",
            False,
            (
                "“12/25/1985” is not a date in day/month/year order, the order set for your "
                "organization; use YYYY-MM-DD."
            ),
        ),
        ("--03-02", False, "“--03-02” has no year; give the whole date, as YYYY-MM-DD."),
        ("--0302", False, "“--0302” has no year; give the whole date, as YYYY-MM-DD."),
        ("03/02", True, "“03/02” has no year; give the whole date, as YYYY-MM-DD."),
        ("2.3.", False, "“2.3.” has no year; give the whole date, as YYYY-MM-DD."),
    ],
)
def test_parse_date_errors(text: str, month_first: bool, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_date(text, month_first=month_first, today=TODAY)
    assert str(raised.value) == message


def test_parse_date_quotes_a_long_value_shortened() -> None:
    with pytest.raises(ValueError, match="…” is not a date") as raised:
        parse_date("x" * 500, month_first=False)
    assert len(str(raised.value)) < 100


def test_two_digit_years_follow_the_current_year() -> None:
    assert parse_date("1/1/30", month_first=False, today=date(2029, 1, 1)) == date(1930, 1, 1)
    assert parse_date("1/1/30", month_first=False, today=date(2030, 1, 1)) == date(2030, 1, 1)
    assert parse_date("1/1/85", month_first=False) == date(1985, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("  ", ""),
        ("f", "female"),
        ("F", "female"),
        ("Female", "female"),
        ("woman", "female"),
        ("w", "female"),
        ("Frau", "female"),
        ("m", "male"),
        ("MALE", "male"),
        ("man", "male"),
        ("Mann", "male"),
        ("other", "another"),
        ("another", "another"),
        ("non-binary", "another"),
        ("Nonbinary", "another"),
        ("X", "another"),
        ("diverse", "another"),
        ("Prefer not to say", "undisclosed"),
        ("undisclosed", "undisclosed"),
        ("n/a", "undisclosed"),
        ("unknown", "undisclosed"),
        ("Unspecified", ""),
    ],
)
def test_parse_gender(text: str, expected: str) -> None:
    assert parse_gender(text) == expected


def test_parse_gender_error() -> None:
    with pytest.raises(ValueError) as raised:
        parse_gender("maybe")
    assert str(raised.value) == (
        "“maybe” is not a gender Regulars knows; use female, male, another or undisclosed."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("unknown", None),
        ("Pending", None),
        ("yes", "opted_in"),
        ("Y", "opted_in"),
        ("TRUE", "opted_in"),
        ("1", "opted_in"),
        ("subscribed", "opted_in"),
        ("Subscribed", "opted_in"),
        ("opted in", "opted_in"),
        ("Opt-in", "opted_in"),
        ("accepts", "opted_in"),
        ("confirmed", "opted_in"),
        ("x", "opted_in"),
        ("Marketing contact", "opted_in"),
        ("Non-marketing contact", None),
        ("no", "opted_out"),
        ("N", "opted_out"),
        ("false", "opted_out"),
        ("0", "opted_out"),
        ("unsubscribed", "opted_out"),
        ("Opted out", "opted_out"),
        ("opt-out", "opted_out"),
        ("declined", "opted_out"),
        ("not subscribed", "opted_out"),
        ("nonsubscribed", "opted_out"),
        ("cleaned", "opted_out"),
    ],
)
def test_parse_consent(text: str, expected: str | None) -> None:
    assert parse_consent(text) == expected


def test_parse_consent_error() -> None:
    with pytest.raises(ValueError) as raised:
        parse_consent("maybe later")
    assert str(raised.value) == (
        "“maybe later” is not a consent Regulars knows; use yes or no, or leave the cell "
        "empty to keep the customer's current consent."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("yes", True), ("TRUE", True), ("1", True), ("no", False), ("False", False)],
)
def test_parse_bool(text: str, expected: bool | None) -> None:
    assert parse_bool(text) is expected


def test_parse_bool_error() -> None:
    with pytest.raises(ValueError) as raised:
        parse_bool("perhaps")
    assert str(raised.value) == "“perhaps” is neither yes nor no; use yes or no."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        (" de ", "DE"),
        ("UK", "GB"),
        ("US", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("United Kingdom", "GB"),
        ("the United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Germany", "DE"),
        ("GERMANY", "DE"),
        ("Deutschland", "DE"),
        ("France", "FR"),
        ("Netherlands", "NL"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("Ireland", "IE"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d Ivoire", "CI"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Österreich", "AT"),
        ("España", "ES"),
        ("Royaume-Uni", "GB"),
    ],
)
def test_parse_country(text: str, expected: str) -> None:
    assert parse_country(text) == expected


def test_parse_country_default_for_empty() -> None:
    assert parse_country("", default="GB") == "GB"
    assert parse_country("  ") == ""


@pytest.mark.parametrize("text", ["Narnia", "ZZ", "QQ", "Atlantis Republic"])
def test_parse_country_error(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_country(text)
    assert str(raised.value) == (
        f"“{text}” is not a country Regulars knows; use a two-letter code such as GB or US, "
        "or the country's English name."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("VIP", ["VIP"]),
        ("VIP; Newsletter", ["VIP", "Newsletter"]),
        ("VIP,Newsletter", ["VIP", "Newsletter"]),
        ("VIP\nNewsletter\r\nWholesale", ["VIP", "Newsletter", "Wholesale"]),
        ("* myContacts ::: VIP", ["VIP"]),
        ("* myContacts ::: * starred ::: Friends ::: VIP", ["Friends", "VIP"]),
        ("* friends ::: * Family ::: * coworkers", []),
        ("* Wholesale ::: VIP", ["Wholesale", "VIP"]),
        ("System Group: My Contacts ::: Regulars", ["Regulars"]),
        ('"VIP","Newsletter"', ["VIP", "Newsletter"]),
        ('"VIP", "Smith, Jones family"', ["VIP", "Smith, Jones family"]),
        ("'VIP'; “Newsletter”", ["VIP", "Newsletter"]),
        ("VIP; vip; Vip; Newsletter", ["VIP", "Newsletter"]),
        (" ; ,, ;", []),
        ("  spaced out  ;  names ", ["spaced out", "names"]),
    ],
)
def test_split_categories(text: str, expected: list[str]) -> None:
    assert split_categories(text) == expected


def test_split_categories_too_long() -> None:
    name = "A" * 101
    with pytest.raises(ValueError) as raised:
        split_categories(f"VIP; {name}")
    assert str(raised.value) == (
        f"The category “{'A' * 59}…” is 101 characters long; category names can have at "
        "most 100 characters."
    )
    assert split_categories("B" * 100) == ["B" * 100]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("", "")),
        ("John Smith", ("John", "Smith")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Dr. Anna Maria Kowalska", ("Anna Maria", "Kowalska")),
        ("Smith, John", ("John", "Smith")),
        ("Jan van der Berg", ("Jan", "van der Berg")),
        ("Juan de la Cruz", ("Juan", "de la Cruz")),
        ("John Smith Jr.", ("John", "Smith")),
        ("Mr Smith", ("", "Smith")),
        ("Cher", ("Cher", "")),
        ("van Gogh", ("", "van Gogh")),
        ('John "Johnny" Smith', ("John", "Smith")),
        ("  Anna   Kowalska  ", ("Anna", "Kowalska")),
    ],
)
def test_split_full_name(text: str, expected: tuple[str, str]) -> None:
    assert split_full_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mobile", "phone_mobile"),
        ("mobile", "phone_mobile"),
        ("* Mobile", "phone_mobile"),
        ("Cell", "phone_mobile"),
        ("Work Mobile", "phone_mobile"),
        ("iPhone", "phone_mobile"),
        ("Home", "phone_home"),
        ("* Home", "phone_home"),
        ("Work", "phone_work"),
        ("Business", "phone_work"),
        ("Office", "phone_work"),
        ("Main", None),
        ("Other", None),
        ("Google Voice", None),
        ("Mum", None),
        ("", None),
        ("Home Fax", IGNORE),
        ("Work Fax", IGNORE),
        ("Pager", IGNORE),
    ],
)
def test_phone_kind(text: str, expected: str | None) -> None:
    assert phone_kind(text) == expected
