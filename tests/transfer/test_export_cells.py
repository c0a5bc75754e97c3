"""What the cells of an export hold: no formula ever, numbers as numbers, names in any script
as written (a round trip over generated customers), every registry column exportable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regulars.core.csv_safe import restore
from regulars.customers.categories import category_create, customer_categories_set
from regulars.customers.custom_fields import (
    custom_field_create,
    custom_values_clean,
    custom_values_save,
)
from regulars.customers.models import Customer
from regulars.jobs.runner import execute_job
from regulars.tenancy.scope import tenant_scope
from regulars.transfer.export_files import write_xlsx
from regulars.transfer.export_selectors import export_columns
from regulars.transfer.exports import ExportAsk, export_request
from tests.conftest import World
from tests.factories import make_customer
from tests.transfer.export_helpers import TRIGGERS, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db

TRICKS = [
    '=1+2";=1+2',
    "@SUM(1)",
    "-2+3",
    "+1+2",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    '=HYPERLINK("http://x.test","y")',
    "'=1+2",  # already looks neutralised: must survive the round trip too
]
TEXT_FIELDS = [
    "first_name",
    "last_name",
    "company",
    "email",
    "phone_mobile",
    "phone_home",
    "phone_work",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "loyalty_card",
    "external_id",
]


def run_export(world: World, file_format: str, columns: list[str]) -> bytes:
    """The real export path (request, job, file), inside the test's transaction."""
    org, actor = world.org_a, world.owner_a.actor
    with tenant_scope(org):
        run = export_request(
            org=org,
            actor=actor,
            ask=ExportAsk("all", file_format, columns=columns, query="sort=account_number"),
            ip=None,
            enqueue=False,
        )
        assert run.job is not None
        assert execute_job(run.job.pk) == "succeeded"
        run.refresh_from_db()
        with default_storage.open(run.file.name, "rb") as handle:
            content = handle.read()
        default_storage.delete(run.file.name)
        return content


def test_formula_tricks_in_every_text_field_are_neutralised_and_numbers_stay_numbers(
    world: World,
) -> None:
    org, actor = world.org_a, world.owner_a.actor
    with tenant_scope(org):
        number = custom_field_create(
            org=org, actor=actor, data={"label": "Balance", "field_type": "number"}
        )
        note = custom_field_create(
            org=org, actor=actor, data={"label": "=Note+1", "field_type": "text"}
        )
        for n, trick in enumerate(TRICKS):
            fields = {
                f: trick[: Customer._meta.get_field(f).max_length]
                for f in TEXT_FIELDS
                if f not in ("first_name", "last_name", "email")
            }
            customer = make_customer(
                org,
                trick,
                trick,
                email=trick,
                account_number=f"{trick}{n}"[-32:],
                total_spent=Decimal("-30.50"),
                **fields,
            )
            category = category_create(org=org, actor=actor, data={"name": f"{trick} {n}"})
            customer_categories_set(
                org=org, actor=actor, customer_id=customer.pk, category_ids=[category.pk]
            )
            custom_values_save(
                customer=customer,
                cleaned=custom_values_clean(
                    org=org, values={number.key: "-2.5", note.key: trick}, partial=True
                ),
            )
        columns = export_columns(org=org, actor=actor)
    keys = list(columns)
    text_keys = {k for k, c in columns.items() if c.cell is not None and c.cell.kind == "text"}
    assert {"name", "categories", f"cf_{note.key}", *TEXT_FIELDS} <= text_keys
    numeric = {"total_spent": -30.5, f"cf_{number.key}": -2.5}
    for file_format in ("csv", "xlsx"):
        content = run_export(world, file_format, keys)
        rows = csv_rows(content) if file_format == "csv" else xlsx_rows(content)
        assert len(rows) == len(TRICKS) + 1
        header = rows[0]
        assert "'=Note+1" in header  # labels are free text too
        assert not [h for h in header if str(h).startswith(TRIGGERS)]
        for row in rows[1:]:
            cells = dict(zip(keys, row, strict=True))
            for key in text_keys:
                value = cells[key]
                assert not (isinstance(value, str) and value.startswith(TRIGGERS)), (
                    file_format,
                    header[keys.index(key)],
                    value,
                )
            for key, expected in numeric.items():
                if file_format == "csv":
                    assert float(cells[key]) == expected, (key, cells[key])
                else:
                    assert isinstance(cells[key], int | float), (key, cells[key])
                    assert cells[key] == expected
        # Nothing is lost: each trick comes back whole once the apostrophe is taken off.
        firsts = sorted(restore(str(row[keys.index("first_name")])) for row in rows[1:])
        assert firsts == sorted(TRICKS)


SCRIPTS = st.characters(
    categories=("Lu", "Ll", "Lo", "Lm", "Mn", "Nd", "Pd", "Po", "Ps", "Pe", "Sm", "Sc", "So"),
    exclude_characters="\x00",
)
TEXT = st.text(alphabet=SCRIPTS | st.sampled_from(list("=+-@' ")), max_size=40)
PERSON = st.fixed_dictionaries(
    {
        "first_name": TEXT,
        "last_name": TEXT,
        "company": TEXT,
        "city": TEXT,
        "postal_code": st.text(alphabet=SCRIPTS, max_size=20),
        "date_of_birth": st.none() | st.dates(date(1900, 1, 1), date(2025, 12, 31)),
        "discount_percent": st.decimals(
            min_value=Decimal("-99.99"), max_value=Decimal("99.99"), places=2
        ),
    }
)
ROUND_TRIP = ["first_name", "last_name", "company", "city", "postal_code"]


@settings(
    max_examples=10,  # ten lists of a hundred: a thousand generated customers
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
)
@given(people=st.lists(PERSON, min_size=100, max_size=100))
def test_generated_customers_read_back_as_written(
    world: World, people: list[dict[str, Any]]
) -> None:
    org = world.org_a
    keys = [*ROUND_TRIP, "date_of_birth", "discount_percent", "account_number"]
    with transaction.atomic():
        with tenant_scope(org):
            Customer.objects.bulk_create(
                Customer(organization=org, account_number=f"R{n:05d}", **person)
                for n, person in enumerate(people)
            )
        for file_format in ("csv", "xlsx"):
            content = run_export(world, file_format, keys)
            rows = csv_rows(content) if file_format == "csv" else xlsx_rows(content)
            assert len(rows) == len(people) + 1
            for person, row in zip(people, rows[1:], strict=True):
                cells = dict(zip(keys, row, strict=True))
                for key in ROUND_TRIP:
                    assert restore(cells[key] or "") == person[key], (file_format, key)
                born, discount = cells["date_of_birth"], cells["discount_percent"]
                if file_format == "csv":
                    dob = person["date_of_birth"]
                    assert born == (dob.isoformat() if dob else "")
                    assert Decimal(discount) == person["discount_percent"]
                else:
                    shown = born.date() if born is not None else None
                    assert shown == person["date_of_birth"]
                    assert Decimal(str(discount)) == person["discount_percent"]
        transaction.set_rollback(True)


def test_every_registry_column_exports(world: World) -> None:
    """Each column's SQL runs on this database, for a customer with and without values."""
    org, actor = world.org_a, world.owner_a.actor
    with tenant_scope(org):
        custom_field_create(
            org=org,
            actor=actor,
            data={"label": "Styles", "field_type": "multi", "options": ["Curly", "Straight"]},
        )
        make_customer(org, "Ann", "Archer", date_of_birth=date(1990, 3, 5), gender="female")
        make_customer(org, "", "", company="Acme Ltd")
        keys = list(export_columns(org=org, actor=actor))
    assert len(keys) >= 40
    for file_format in ("csv", "xlsx"):
        content = run_export(world, file_format, keys)
        rows = csv_rows(content) if file_format == "csv" else xlsx_rows(content)
        assert len(rows) == 3
        by_name = {row[keys.index("name")]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
        assert set(by_name) == {"Ann Archer", "Acme Ltd"}
        assert by_name["Ann Archer"]["birthday"] == "05 Mar"
        assert by_name["Ann Archer"]["gender"] == "Female"
        assert by_name["Ann Archer"]["status"] == "Active"


def test_an_xlsx_past_a_sheets_rows_continues_on_another_sheet(tmp_path: Path) -> None:
    """Excel's limit is 1,048,576 rows a sheet, header included."""
    total = 1_048_575 + 3
    chunk = [(n,) for n in range(10_000)]

    def chunks() -> Any:
        sent = 0
        while sent < total:
            part = chunk[: min(len(chunk), total - sent)]
            sent += len(part)
            yield part

    path = tmp_path / "big.xlsx"
    written = write_xlsx(path, ["Number"], ["number"], chunks(), lambda done: None)
    assert written == total
    book = openpyxl.load_workbook(path, read_only=True)
    assert len(book.worksheets) == 2
    second = list(book.worksheets[1].iter_rows(values_only=True))
    # Row 1,048,576 of the file is the 1,048,576th number, 8575 in the repeating chunk.
    assert second == [("Number",), (8575,), (8576,), (8577,)]
