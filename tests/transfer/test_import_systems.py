"""Real files in each format and encoding, and other systems' exports in their published
header layouts, imported end to end through the services (dry run, then import)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from regulars.core.errors import DomainError
from regulars.customers.models import ConsentEvent, Customer
from regulars.tenancy.scope import tenant_scope
from regulars.transfer import systems
from tests.conftest import World
from tests.factories import make_customer
from tests.transfer.helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db(transaction=True)


def layout(headers: Sequence[str], values: Mapping[str, str]) -> list[list[str]]:
    """A file in a system's own header layout: every published column, these filled."""
    missing = set(values) - set(headers)
    assert not missing, f"not in the layout: {missing}"
    return [list(headers), [values.get(h, "") for h in headers]]


def customer(world: World, email: str) -> Customer:
    with tenant_scope(world.org_a):
        return Customer.objects.get(email=email)


def test_google_contacts_with_typed_phones_and_labels(world: World) -> None:
    rows = layout(
        systems.GOOGLE_HEADERS,
        {
            "First Name": "Zoë",
            "Last Name": "Łukasik",
            "E-mail 1 - Value": "zoe@example.com",
            "Phone 1 - Label": "Work",
            "Phone 1 - Value": "+44 20 7946 0001",
            "Phone 2 - Label": "Mobile",
            "Phone 2 - Value": "+44 7700 900999",
            "Labels": "* myContacts ::: VIP",
            "Birthday": "1985-03-02",
        },
    )
    run = run_import(
        world.org_a,
        world.owner_a.actor,
        csv_bytes(rows),
        name="contacts.csv",
        options={"create_categories": True},
    )
    assert run.system == "google"
    assert run.counts["created"] == 1
    zoe = customer(world, "zoe@example.com")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Łukasik")
    assert (zoe.phone_work, zoe.phone_mobile) == ("+442079460001", "+447700900999")
    with tenant_scope(world.org_a):
        assert [c.name for c in zoe.categories.all()] == ["VIP"]
    assert str(zoe.date_of_birth) == "1985-03-02"


def test_google_legacy_and_outlook(world: World) -> None:
    legacy = layout(
        systems.GOOGLE_LEGACY_HEADERS,
        {
            "Given Name": "Ann",
            "Family Name": "Legacy",
            "E-mail 1 - Value": "ann@example.com",
            "Phone 1 - Type": "Mobile",
            "Phone 1 - Value": "+44 7700 900111",
        },
    )
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(legacy), name="google.csv")
    assert run.system == "google_legacy"
    assert customer(world, "ann@example.com").phone_mobile == "+447700900111"
    outlook = layout(
        systems.OUTLOOK_DESKTOP_HEADERS,
        {
            "First Name": "Olly",
            "Last Name": "Outlook",
            "E-mail Address": "olly@example.com",
            "Mobile Phone": "+44 7700 900222",
            "Home City": "Leeds",
            "Birthday": "0/0/00",
        },
    )
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(outlook), name="outlook.csv")
    assert run.system == "outlook"
    olly = customer(world, "olly@example.com")
    assert (olly.phone_mobile, olly.city, olly.date_of_birth) == ("+447700900222", "Leeds", None)


def test_shopify_consent_never_reopts_in_without_fresh_consent(world: World) -> None:
    make_customer(world.org_a, "Sue", "Shop", email="sue@example.com")
    with tenant_scope(world.org_a):
        Customer.objects.filter(email="sue@example.com").update(email_consent="opted_out")
    rows = layout(
        systems.SHOPIFY_HEADERS,
        {
            "Customer ID": "7712345",
            "First Name": "Sue",
            "Last Name": "Shop",
            "Email": "sue@example.com",
            "Accepts Email Marketing": "yes",
        },
    )
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(rows), name="customers_export.csv")
    assert run.system == "shopify"
    sue = customer(world, "sue@example.com")
    assert (sue.email_consent, sue.external_id) == ("opted_out", "7712345")
    run = run_import(
        world.org_a,
        world.owner_a.actor,
        csv_bytes(rows),
        name="again.csv",
        options={"fresh_consent": True},
    )
    assert customer(world, "sue@example.com").email_consent == "opted_in"
    with tenant_scope(world.org_a):
        event = ConsentEvent.objects.get(source="import")
        assert (event.state, event.detail) == ("opted_in", "Import of again.csv")


def test_square_hubspot_and_mailchimp_unsubscribed(world: World) -> None:
    square = layout(
        systems.SQUARE_HEADERS,
        {
            "Reference ID": "C-77",
            "First Name": "Sam",
            "Surname": "Square",
            "Email Address": "sam@example.com",
            "Square Customer ID": "SQ1",
            "Email Subscription Status": "subscribed",
            "Memo": "Regular",
        },
    )
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(square), name="square.csv")
    assert run.system == "square"
    sam = customer(world, "sam@example.com")
    assert (sam.account_number, sam.external_id, sam.email_consent) == ("C-77", "SQ1", "opted_in")
    hubspot = layout(
        systems.HUBSPOT_HEADERS,
        {
            "Record ID": "501",
            "First Name": "Hal",
            "Last Name": "Hub",
            "Email": "hal@example.com",
            "Phone Number": "+44 20 7946 0002",
        },
    )
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(hubspot), name="hubspot.csv")
    assert run.system == "hubspot"
    assert customer(world, "hal@example.com").external_id == "501"
    mailchimp = layout(
        systems.MAILCHIMP_UNSUBSCRIBED_HEADERS,
        {"Email Address": "sam@example.com", "First Name": "Sam", "Last Name": "Square"},
    )
    run = run_import(
        world.org_a,
        world.owner_a.actor,
        csv_bytes(mailchimp),
        name="unsubscribed_members_export_1a2b.csv",
    )
    assert run.system == "mailchimp"
    assert run.counts["updated"] == 1
    assert customer(world, "sam@example.com").email_consent == "opted_out"


def test_xlsx_vcard_and_encodings(world: World, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Notes"
    other = book.create_sheet("Customers")
    other.append(["First Name", "Last Name", "Email", "Mobile Phone", "DOB"])
    other.append(["Xia", "Lsx", "xia@example.com", 447700900333, "1990-01-02"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    with pytest.raises(DomainError, match="The sheet “Notes” is empty"):
        run_import(world.org_a, world.owner_a.actor, path, name="people.xlsx")
    run = run_import(world.org_a, world.owner_a.actor, path, name="people.xlsx", sheet="Customers")
    assert run.sheets == ["Notes", "Customers"]
    assert run.counts["created"] == 1, run.review
    xia = customer(world, "xia@example.com")
    assert (xia.phone_mobile, str(xia.date_of_birth)) == ("+447700900333", "1990-01-02")
    vcf = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Vance;Vera;;;\r\nFN:Vera Vance\r\n"
        b"item1.TEL:+44 7700 900444\r\nitem1.X-ABLabel:mobile\r\n"
        b"EMAIL;TYPE=INTERNET:vera@exa\r\n mple.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Will Wu\r\nN:Wu;Will;;;\r\n"
        b'TEL;TYPE="cell,voice":tel:+44-7700-900555\r\nEND:VCARD\r\n'
    )
    run = run_import(world.org_a, world.owner_a.actor, vcf, name="contacts.vcf")
    assert run.format == "vcard" and run.counts["created"] == 2
    assert customer(world, "vera@example.com").phone_mobile == "+447700900444"
    text = "First Name,Last Name,Email\r\nRenée,Mañá,renee@example.com\r\n"
    for encoding, email in (("utf-16", "u16@example.com"), ("cp1252", "cp@example.com")):
        data = text.replace("renee@example.com", email).encode(encoding)
        run = run_import(world.org_a, world.owner_a.actor, data, name=f"{encoding}.csv")
        assert run.counts["created"] == 1
        c = customer(world, email)
        assert (c.first_name, c.last_name) == ("Renée", "Mañá")


def test_a_deleted_customers_opt_out_carries_to_the_new_record(world: World) -> None:
    from django.utils import timezone

    make_customer(world.org_a, "Del", "Eted", email="del@example.com")
    with tenant_scope(world.org_a):
        Customer.objects.filter(email="del@example.com").update(
            email_consent="opted_out", deleted_at=timezone.now()
        )
    rows = [["First Name", "Email", "Accepts Email Marketing"], ["Del", "del@example.com", "yes"]]
    run = run_import(world.org_a, world.owner_a.actor, csv_bytes(rows))
    assert run.counts["created"] == 1
    with tenant_scope(world.org_a):
        new = Customer.objects.get(email="del@example.com", deleted_at__isnull=True)
        assert new.email_consent == "opted_out"
    again = run_import(
        world.org_a,
        world.owner_a.actor,
        csv_bytes([rows[0], ["Dee", "dee@example.com", "yes"]]),
        options={"fresh_consent": True},
    )
    assert again.counts["created"] == 1
