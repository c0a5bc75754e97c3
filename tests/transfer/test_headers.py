"""Header recognition: known systems' exports, generic synonyms, custom fields."""

from __future__ import annotations

import pytest

from regulars.transfer import systems
from regulars.transfer.headers import ColumnMap, Suggestion, header_key, suggest_mapping
from regulars.transfer.targets import BY_NAME, IGNORE


def targets(suggestion: Suggestion, headers: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {h: c.target for h, c in zip(headers, suggestion.columns, strict=True)}


def column(suggestion: Suggestion, headers: tuple[str, ...] | list[str], header: str) -> ColumnMap:
    return suggestion.columns[list(headers).index(header)]


def assert_single_columns(suggestion: Suggestion) -> None:
    """No target that takes one column is given two."""
    used = [
        c.target
        for c in suggestion.columns
        if c.target != IGNORE and not (c.target in BY_NAME and BY_NAME[c.target].repeatable)
    ]
    assert len(used) == len(set(used)), used


def test_header_key_ignores_case_accents_and_punctuation() -> None:
    assert header_key("E-mail Address") == header_key("email_address") == "emailaddress"
    assert header_key("  Téléphone (Home) ") == "telephonehome"
    assert header_key("Address1") == header_key("Address 1")
    assert header_key("Straße") == "strasse"
    assert header_key("") == ""


def test_google_current() -> None:
    h = systems.GOOGLE_HEADERS
    s = suggest_mapping(list(h), file_name="contacts.csv")
    assert (s.system, s.system_label) == ("google", "Google Contacts")
    t = targets(s, h)
    assert t["First Name"] == "first_name"
    assert t["Last Name"] == "last_name"
    assert t["Middle Name"] == IGNORE
    assert t["Organization Name"] == "company"
    assert t["Birthday"] == "date_of_birth"
    assert t["Labels"] == "categories"
    assert t["Notes"] == "note"
    assert t["E-mail 1 - Value"] == "email"
    assert t["E-mail 2 - Value"] == IGNORE
    assert t["E-mail 1 - Label"] == IGNORE
    assert t["Address 1 - Street"] == "address_line1"
    assert t["Address 1 - Extended Address"] == "address_line2"
    assert t["Address 1 - City"] == "city"
    assert t["Address 1 - Postal Code"] == "postal_code"
    assert t["Address 1 - Country"] == "country"
    assert t["Address 1 - Formatted"] == IGNORE
    for n in (1, 2, 3):
        value = column(s, h, f"Phone {n} - Value")
        assert value == ColumnMap("phone", h.index(f"Phone {n} - Label"))
        assert t[f"Phone {n} - Label"] == IGNORE
    assert s.constant_consent == {}
    assert_single_columns(s)


def test_google_legacy() -> None:
    h = systems.GOOGLE_LEGACY_HEADERS
    s = suggest_mapping(list(h))
    assert (s.system, s.system_label) == ("google_legacy", "Google Contacts (legacy CSV)")
    t = targets(s, h)
    assert t["Name"] == "full_name"
    assert t["Given Name"] == "first_name"
    assert t["Family Name"] == "last_name"
    assert t["Group Membership"] == "categories"
    assert t["Gender"] == "gender"
    assert t["E-mail 1 - Value"] == "email"
    assert t["E-mail 2 - Value"] == IGNORE
    assert t["Organization 1 - Name"] == "company"
    assert t["Organization 1 - Title"] == IGNORE
    assert t["Location"] == IGNORE
    assert column(s, h, "Phone 1 - Value") == ColumnMap("phone", h.index("Phone 1 - Type"))
    assert column(s, h, "Phone 2 - Value") == ColumnMap("phone", h.index("Phone 2 - Type"))
    assert_single_columns(s)


@pytest.mark.parametrize("h", [systems.OUTLOOK_HEADERS, systems.OUTLOOK_DESKTOP_HEADERS])
def test_outlook_prefers_the_home_address(h: tuple[str, ...]) -> None:
    s = suggest_mapping(list(h))
    assert (s.system, s.system_label) == ("outlook", "Outlook")
    t = targets(s, h)
    assert t["First Name"] == "first_name"
    assert t["Last Name"] == "last_name"
    assert t["Title"] == IGNORE
    assert t["E-mail Address"] == "email"
    assert t["E-mail 2 Address"] == IGNORE
    assert t["Mobile Phone"] == "phone_mobile"
    assert t["Home Phone"] == "phone_home"
    assert t["Business Phone"] == "phone_work"
    assert t["Other Phone"] == "phone"
    assert t["Business Fax"] == IGNORE
    assert t["Company Main Phone"] == IGNORE
    assert t["Company"] == "company"
    assert t["Home Street"] == "address_line1"
    assert t["Home City"] == "city"
    assert t["Home State"] == "region"
    assert t["Home Postal Code"] == "postal_code"
    assert t["Home Country/Region"] == "country"
    assert t["Business Street"] == IGNORE
    assert t["Business City"] == IGNORE
    assert t["Birthday"] == "date_of_birth"
    assert t["Categories"] == "categories"
    assert_single_columns(s)


def test_outlook_uses_the_business_address_without_home_columns() -> None:
    h = [x for x in systems.OUTLOOK_HEADERS if not x.startswith("Home ") or "Phone" in x]
    s = suggest_mapping(h)
    assert s.system == "outlook"
    t = targets(s, h)
    assert t["Business Street"] == "address_line1"
    assert t["Business City"] == "city"
    assert t["Business Postal Code"] == "postal_code"
    assert t["Business Country/Region"] == "country"


def test_shopify_current() -> None:
    h = systems.SHOPIFY_HEADERS
    s = suggest_mapping(list(h), file_name="customers_export.csv")
    assert (s.system, s.system_label) == ("shopify", "Shopify customers")
    t = targets(s, h)
    assert t["Customer ID"] == "external_id"
    assert t["Email"] == "email"
    assert t["Accepts Email Marketing"] == "email_consent"
    assert t["Accepts SMS Marketing"] == "sms_consent"
    assert t["Default Address Company"] == "company"
    assert t["Default Address Address1"] == "address_line1"
    assert t["Default Address Address2"] == "address_line2"
    assert t["Default Address Province Code"] == "region"
    assert t["Default Address Country Code"] == "country"
    assert t["Default Address Zip"] == "postal_code"
    assert t["Phone"] == "phone_mobile"
    assert t["Default Address Phone"] == "phone"
    assert t["Tags"] == "categories"
    assert t["Note"] == "note"
    assert t["Total Spent"] == IGNORE
    assert t["Tax Exempt"] == IGNORE
    assert s.constant_consent == {}
    assert_single_columns(s)


def test_shopify_old_layout() -> None:
    h = systems.SHOPIFY_OLD_HEADERS
    s = suggest_mapping(list(h))
    assert s.system == "shopify"
    t = targets(s, h)
    assert t["Address1"] == "address_line1"
    assert t["Address2"] == "address_line2"
    assert t["Province"] == "region"
    assert t["Province Code"] == IGNORE
    assert t["Country Code"] == "country"
    assert t["Country"] == IGNORE
    assert t["Zip"] == "postal_code"
    assert t["Accepts Marketing"] == "email_consent"
    assert t["Company"] == "company"
    assert_single_columns(s)


def test_square() -> None:
    h = systems.SQUARE_HEADERS
    s = suggest_mapping(list(h))
    assert (s.system, s.system_label) == ("square", "Square customers")
    t = targets(s, h)
    assert t["Square Customer ID"] == "external_id"
    assert t["Reference ID"] == "account_number"
    assert t["Surname"] == "last_name"
    assert t["Email Address"] == "email"
    assert t["Phone Number"] == "phone"
    assert t["Street Address 1"] == "address_line1"
    assert t["Street Address 2"] == "address_line2"
    assert t["State"] == "region"
    assert t["Memo"] == "note"
    assert t["Groups"] == "categories"
    assert t["Email Subscription Status"] == "email_consent"
    assert t["Nickname"] == IGNORE
    assert t["Total Spend"] == IGNORE
    assert_single_columns(s)


def test_hubspot() -> None:
    h = systems.HUBSPOT_HEADERS
    s = suggest_mapping(list(h))
    assert (s.system, s.system_label) == ("hubspot", "HubSpot contacts")
    t = targets(s, h)
    assert t["Record ID"] == "external_id"
    assert t["Email"] == "email"
    assert t["Phone Number"] == "phone"
    assert t["Mobile Phone Number"] == "phone_mobile"
    assert t["State/Region"] == "region"
    assert t["Country/Region"] == "country"
    assert t["Date of birth"] == "date_of_birth"
    assert t["Marketing contact status"] == IGNORE
    assert t["Contact owner"] == IGNORE
    assert_single_columns(s)


@pytest.mark.parametrize(
    ("h", "file_name", "consent"),
    [
        (systems.MAILCHIMP_HEADERS, "subscribed_members_export_4f2a1.csv", "opted_in"),
        (
            systems.MAILCHIMP_UNSUBSCRIBED_HEADERS,
            "unsubscribed_members_export_4f2a1.csv",
            "opted_out",
        ),
        (systems.MAILCHIMP_CLEANED_HEADERS, "cleaned_members_export_4f2a1.csv", None),
        (systems.MAILCHIMP_HEADERS, "nonsubscribed_members_export_4f2a1.csv", None),
        (systems.MAILCHIMP_HEADERS, "non-subscribed members.csv", None),
        (systems.MAILCHIMP_HEADERS, "export/Subscribed_Members_Export.CSV", "opted_in"),
        # The name says nothing; the unsubscribe columns do.
        (systems.MAILCHIMP_UNSUBSCRIBED_HEADERS, "audience.csv", "opted_out"),
        (systems.MAILCHIMP_HEADERS, "audience.csv", None),
    ],
)
def test_mailchimp(h: tuple[str, ...], file_name: str, consent: str | None) -> None:
    s = suggest_mapping(list(h), file_name=file_name)
    assert (s.system, s.system_label) == ("mailchimp", "Mailchimp audience")
    assert s.constant_consent == ({"email_consent": consent} if consent else {})
    t = targets(s, h)
    assert t["Email Address"] == "email"
    assert t["First Name"] == "first_name"
    assert t["Phone Number"] == "phone"
    assert t["CC"] == "country"
    assert t["REGION"] == IGNORE
    assert t["Birthday"] == IGNORE
    assert t["TAGS"] == "categories"
    assert t["NOTES"] == "note"
    assert t["MEMBER_RATING"] == IGNORE
    assert_single_columns(s)


def test_file_name_alone_does_not_set_consent() -> None:
    s = suggest_mapping(["Email", "Name"], file_name="subscribed_members_export.csv")
    assert s.system is None
    assert s.constant_consent == {}


def test_vcard_reader_headers_all_map() -> None:
    h = [
        "First Name",
        "Last Name",
        "Full Name",
        "Company",
        "E-mail",
        "Mobile Phone",
        "Home Phone",
        "Work Phone",
        "Phone",
        "Address Line 1",
        "Address Line 2",
        "City",
        "Region",
        "Postal Code",
        "Country",
        "Birthday",
        "Note",
        "Categories",
    ]
    s = suggest_mapping(h)
    assert s.system is None
    assert s.system_label == ""
    assert [c.target for c in s.columns] == [
        "first_name",
        "last_name",
        "full_name",
        "company",
        "email",
        "phone_mobile",
        "phone_home",
        "phone_work",
        "phone",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postal_code",
        "country",
        "date_of_birth",
        "note",
        "categories",
    ]


SYNONYMS = [
    ("E-mail Address", "email"),
    ("Email", "email"),
    ("e_mail", "email"),
    ("Mail", "email"),
    ("EMAIL ADDRESS", "email"),
    ("Mobile Phone", "phone_mobile"),
    ("Mobile", "phone_mobile"),
    ("Cell", "phone_mobile"),
    ("Cell phone", "phone_mobile"),
    ("Handy", "phone_mobile"),
    ("Home Phone", "phone_home"),
    ("Phone (Home)", "phone_home"),
    ("Work Phone", "phone_work"),
    ("Business Phone", "phone_work"),
    ("Office phone", "phone_work"),
    ("Phone", "phone"),
    ("Telephone", "phone"),
    ("Tel", "phone"),
    ("Tel.", "phone"),
    ("Phone number", "phone"),
    ("Zip", "postal_code"),
    ("ZIP code", "postal_code"),
    ("Postcode", "postal_code"),
    ("Post code", "postal_code"),
    ("Postal Code", "postal_code"),
    ("DOB", "date_of_birth"),
    ("Birthday", "date_of_birth"),
    ("Birth date", "date_of_birth"),
    ("Date of birth", "date_of_birth"),
    ("Given name", "first_name"),
    ("Forename", "first_name"),
    ("First", "first_name"),
    ("first_name", "first_name"),
    ("Vorname", "first_name"),
    ("Surname", "last_name"),
    ("Family name", "last_name"),
    ("Last", "last_name"),
    ("Name", "full_name"),
    ("Full name", "full_name"),
    ("Contact name", "full_name"),
    ("Display Name", "full_name"),
    ("Organization", "company"),
    ("Organisation", "company"),
    ("Company name", "company"),
    ("Business", "company"),
    ("Street", "address_line1"),
    ("Address", "address_line1"),
    ("Address 1", "address_line1"),
    ("Street address", "address_line1"),
    ("Address 2", "address_line2"),
    ("Town", "city"),
    ("City", "city"),
    ("State", "region"),
    ("County", "region"),
    ("Province", "region"),
    ("Region", "region"),
    ("Country", "country"),
    ("Country code", "country"),
    ("Sex", "gender"),
    ("Gender", "gender"),
    ("Customer number", "account_number"),
    ("Account", "account_number"),
    ("Account no", "account_number"),
    ("Account No.", "account_number"),
    ("Client number", "account_number"),
    ("Card", "loyalty_card"),
    ("Loyalty card", "loyalty_card"),
    ("Card number", "loyalty_card"),
    ("ID", "external_id"),
    ("External ID", "external_id"),
    ("Customer ID", "external_id"),
    ("Record ID", "external_id"),
    ("Tags", "categories"),
    ("Groups", "categories"),
    ("Categories", "categories"),
    ("Labels", "categories"),
    ("Category", "categories"),
    ("Notes", "note"),
    ("Note", "note"),
    ("Comments", "note"),
    ("Discount", "discount_percent"),
    ("Discount %", "discount_percent"),
    ("Accepts email marketing", "email_consent"),
    ("Email opt in", "email_consent"),
    ("Email opt-in", "email_consent"),
    ("Newsletter", "email_consent"),
    ("Email consent", "email_consent"),
    ("Email subscription status", "email_consent"),
    ("Accepts SMS marketing", "sms_consent"),
    ("SMS opt in", "sms_consent"),
    ("SMS consent", "sms_consent"),
    ("SMS subscription status", "sms_consent"),
    ("Geburtsdatum", "date_of_birth"),
    ("PLZ", "postal_code"),
    ("Straße", "address_line1"),
]


@pytest.mark.parametrize(("header", "target"), SYNONYMS)
def test_synonym(header: str, target: str) -> None:
    s = suggest_mapping([header])
    assert s.columns == [ColumnMap(target)]
    assert target in BY_NAME


def test_second_column_of_a_single_target_is_ignored() -> None:
    h = ["Email", "Name", "E-mail", "Phone", "Telephone", "Tags", "Groups"]
    s = suggest_mapping(h)
    assert [c.target for c in s.columns] == [
        "email",
        "full_name",
        IGNORE,
        "phone",  # phones and categories may come from several columns
        "phone",
        "categories",
        "categories",
    ]


def test_custom_fields_by_key_and_label() -> None:
    custom = {"favourite_drink": "Favourite drink", "shoe_size": "Shoe size"}
    h = ["Favourite Drink", "shoe-size", "Email", "Shoe Size"]
    s = suggest_mapping(h, custom_fields=custom)
    assert [c.target for c in s.columns] == [
        "custom:favourite_drink",
        "custom:shoe_size",
        "email",
        IGNORE,  # the custom field already has its column
    ]


def test_custom_field_beats_a_systems_ignore() -> None:
    h = list(systems.SHOPIFY_HEADERS)
    s = suggest_mapping(h, custom_fields={"total_spent": "Total Spent"})
    assert s.system == "shopify"
    assert targets(s, h)["Total Spent"] == "custom:total_spent"


def test_unknown_headers_are_ignored() -> None:
    h = ["Shoe size", "", "Colour", "Email 7", "???"]
    s = suggest_mapping(h)
    assert s.system is None
    assert s.columns == [ColumnMap(IGNORE)] * len(h)
    assert s.constant_consent == {}


def test_empty_header_row() -> None:
    assert suggest_mapping([]) == Suggestion(None, "", [], {})


def test_typed_phone_without_type_column() -> None:
    h = ["Phone 1 - Value", "Phone 2 - Value", "Phone 2 - Type"]
    s = suggest_mapping(h)
    assert s.columns == [ColumnMap("phone", None), ColumnMap("phone", 2), ColumnMap(IGNORE)]


def test_a_few_generic_headers_are_not_a_system() -> None:
    h = ["First Name", "Last Name", "Email", "Phone", "City", "Country", "Tags", "Note"]
    s = suggest_mapping(h)
    assert s.system is None
    assert targets(s, h)["Phone"] == "phone"


def test_system_is_recognised_with_some_columns_missing() -> None:
    h = [x for x in systems.HUBSPOT_HEADERS if x not in {"Lifecycle Stage", "Lead Status"}]
    s = suggest_mapping(h)
    assert s.system == "hubspot"


@pytest.mark.parametrize("system", systems.SYSTEMS, ids=lambda s: s.name)
def test_every_layout_is_recognised_as_its_system(system: systems.System) -> None:
    for layout in system.layouts:
        assert suggest_mapping(list(layout)).system == system.name
        for header, target in system.columns.items():
            assert target == IGNORE or target in BY_NAME, header
