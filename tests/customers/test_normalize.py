from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regulars.core.errors import DomainError
from regulars.customers.normalize import email_key, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("raw", "stored", "key"),
    [
        ("  Ann.Lee+shop@GMail.com ", "Ann.Lee+shop@gmail.com", "annlee@gmail.com"),
        ("ann.lee@googlemail.com", "ann.lee@googlemail.com", "annlee@gmail.com"),
        ("Bob+news@Outlook.com", "Bob+news@outlook.com", "bob@outlook.com"),
        ("first.last+x@example.com", "first.last+x@example.com", "first.last+x@example.com"),
        ("zoë@exämple.com", "zoë@exämple.com", "zoë@exämple.com"),
        ("", "", ""),
    ],
)
def test_emails_are_normalised_and_keyed(raw: str, stored: str, key: str) -> None:
    assert normalize_email(raw) == stored
    assert email_key(normalize_email(raw)) == key


@pytest.mark.parametrize("raw", ["no-at-sign", "a@b", "two@@example.com", "sp ace@example.com"])
def test_bad_emails_name_the_field(raw: str) -> None:
    with pytest.raises(DomainError) as error:
        normalize_email(raw, field="work_email")
    assert error.value.errors[0].field == "work_email"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("0412 555 123", "AU", "+61412555123"),
        ("+61 412 555 123", "GB", "+61412555123"),
        ("(020) 7946 0018", "GB", "+442079460018"),
        ("020 7946 0018", "gb", "+442079460018"),
        ("415-555-0132", "US", "+14155550132"),
        ("", "US", ""),
    ],
)
def test_phones_are_stored_in_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region=region) == e164


@pytest.mark.parametrize("raw", ["hello", "12", "+99 1234", "0412 555 123 999 888 777"])
def test_bad_phones_name_the_field(raw: str) -> None:
    with pytest.raises(DomainError) as error:
        normalize_phone(raw, region="AU", field="mobile")
    assert error.value.errors[0].field == "mobile"


@given(st.text(max_size=40))
def test_normalising_never_crashes_and_is_stable(raw: str) -> None:
    for normalize in (normalize_email, lambda v: normalize_phone(v, region="GB")):
        try:
            once = normalize(raw)
        except DomainError:
            continue
        assert normalize(once) == once


# The fast path of normalize_email gives email-validator's own answer.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from regulars.core.errors import DomainError as _DomainError  # noqa: E402
from regulars.customers import normalize as _normalize  # noqa: E402

_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-."
_DOMAINS = st.sampled_from(
    [
        "example.com",
        "EXAMPLE.org",
        "mail.example.co.uk",
        "xn--bcher-kva.example",
        "bücher.example",
        "localhost",
        "test",
        "a..b.com",
        "-bad.com",
        "example.invalid",
        "123.com",
        "x" * 70 + ".com",
        "gmail.com",
        "example.c",
        "ex_ample.com",
        "[127.0.0.1]",
    ]
)


@settings(max_examples=400, deadline=None)
@given(local=st.text(alphabet=_ATEXT + 'ü"@ ', min_size=0, max_size=70), domain=_DOMAINS)
def test_fast_email_path_agrees_with_email_validator(local: str, domain: str) -> None:
    value = f"{local}@{domain}"
    if not value.strip():
        return
    try:
        slow: str | None = str(
            _normalize.validate_email(value.strip(), check_deliverability=False).normalized
        )
    except _normalize.EmailNotValidError:
        slow = None
    try:
        fast: str | None = _normalize.normalize_email(value)
    except _DomainError:
        fast = None
    assert fast == slow
