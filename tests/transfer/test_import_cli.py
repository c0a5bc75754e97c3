"""`regulars import FILE --org SLUG`: the dry run, the import, a mapping file, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regulars.customers.models import Customer
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World
from tests.transfer.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    ["First", "Surname", "E-mail", "Memo"],
    ["Ann", "Able", "ann@example.com", "x"],
    ["Ben", "Baker", "ben@example", "y"],
    ["Cy", "Cole", "cy@example.com", "z"],
]


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_dry_run_imports_nothing_and_prints_the_counts(world: World, tmp_path: Path) -> None:
    out = _call(str(_file(tmp_path)), "--org", world.org_a.slug, "--dry-run")
    assert "Dry run: 3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected." in out
    assert "row 3: E-mail: Enter a valid email address" in out
    with tenant_scope(world.org_a):
        assert not Customer.objects.exists()


def test_import_with_a_mapping_file_and_match_keys(world: World, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {"First": "first_name", "Surname": "last_name", "E-mail": "email", "Memo": "note"}
        )
    )
    out = _call(
        str(_file(tmp_path)),
        "--org",
        world.org_a.slug,
        "--mapping",
        str(mapping),
        "--match",
        "email",
        "--mode",
        "both",
        "--yes",
        "--actor",
        world.owner_a.user.email,
    )
    assert "Imported: 3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected." in out
    with tenant_scope(world.org_a):
        ann = Customer.objects.get(email="ann@example.com")
        assert [n.text for n in ann.notes.all()] == ["x"]
    again = _call(
        str(_file(tmp_path)), "--org", world.org_a.slug, "--mapping", str(mapping), "--dry-run"
    )
    assert "0 created, 0 updated, 2 unchanged, 1 rejected" in again


def test_errors_say_what_to_fix(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        _call(str(empty), "--org", world.org_a.slug, "--yes")
    with pytest.raises(CommandError, match="match_keys"):
        _call(str(_file(tmp_path)), "--org", world.org_a.slug, "--match", "shoe_size", "--yes")
    with pytest.raises(CommandError, match="No organization"):
        _call(str(_file(tmp_path)), "--org", "nope", "--yes")
    with pytest.raises(CommandError, match=r"staff-a@example\.test is staff"):
        _call(str(_file(tmp_path)), "--org", world.org_a.slug, "--actor", "staff-a@example.test")
