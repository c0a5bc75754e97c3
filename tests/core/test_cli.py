from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from regulars.customers.models import Customer
from regulars.tenancy.models import Organization
from regulars.tenancy.scope import tenant_scope
from tests.conftest import World

REGULARS = str(Path(sys.executable).with_name("regulars"))


@pytest.mark.django_db
def test_createadmin_without_a_terminal_needs_everything(monkeypatch: Any) -> None:
    with pytest.raises(CommandError, match="REGULARS_ADMIN_PASSWORD"):
        call_command("createadmin", "--yes", "--email", "a@example.test", "--org-name", "Shop")
    monkeypatch.setenv("REGULARS_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", "--yes", "--email", "a@example.test", "--org-name", "Shop")
    assert not Organization.objects.exists()  # nothing half-created
    monkeypatch.setenv("REGULARS_ADMIN_PASSWORD", "a long enough password 1")
    call_command(
        "createadmin",
        "--yes",
        "--email",
        "a@example.test",
        "--org-name",
        "Shop",
        "--time-zone",
        "Europe/Paris",
        "--country",
        "fr",
        "--currency",
        "eur",
    )
    org = Organization.objects.get()
    assert (org.slug, org.time_zone, org.country, org.currency) == (
        "shop",
        "Europe/Paris",
        "FR",
        "EUR",
    )


@pytest.mark.django_db
def test_org_commands_check_their_arguments(world: World) -> None:
    with pytest.raises(CommandError, match="No organization"):
        call_command("sample_customers", "--org", "nope", "--count", "5", "--yes")
    with pytest.raises(CommandError, match="between 1 and 100,000"):
        call_command("sample_customers", "--org", world.org_a.slug, "--count", "0", "--yes")
    with pytest.raises(CommandError, match="not an active member"):
        call_command(
            "sample_customers",
            "--org",
            world.org_a.slug,
            "--count",
            "5",
            "--yes",
            "--actor",
            world.owner_b.user.email,
        )
    with pytest.raises(CommandError, match=r"this needs jobs\.start"):
        call_command(
            "sample_customers",
            "--org",
            world.org_a.slug,
            "--count",
            "5",
            "--yes",
            "--actor",
            world.staff_a.user.email,
        )
    with pytest.raises(CommandError, match="--yes"):
        call_command("sample_customers", "--org", world.org_a.slug, "--count", "5")


@pytest.mark.django_db
def test_org_command_records_the_actor(world: World) -> None:
    call_command(
        "sample_customers",
        "--org",
        world.org_a.slug,
        "--count",
        "75",
        "--yes",
        "--actor",
        world.manager_a.user.email,
    )
    with tenant_scope(world.org_a):
        assert Customer.objects.count() == 75
        from regulars.audit.models import AuditEntry

        started = AuditEntry.objects.get(action="jobs.job.started")
    assert started.channel == "cli"
    assert started.actor_user == world.manager_a.user


@pytest.mark.slow
def test_the_regulars_command_end_to_end(tmp_path: Path) -> None:
    """The console script on a fresh data folder: demo, a data command, a bad argument."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["REGULARS_DATA_DIR"] = str(tmp_path)
    demo = subprocess.run(
        [REGULARS, "demo", "--customers", "40"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "owner@demo.regulars.test" in demo.stdout
    logins = json.loads((tmp_path / "demo-logins.json").read_text())
    assert {login["role"] for login in logins} == {"owner", "manager", "staff", "readonly"}
    assert (tmp_path / "secret_key").exists()

    run = subprocess.run(
        [
            REGULARS,
            "sample_customers",
            "--org",
            "demo",
            "--count",
            "120",
            "--yes",
            "--actor",
            "manager@demo.regulars.test",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "120 sample customers added." in run.stdout
    assert "3/3" in run.stderr  # the progress bar

    bad = subprocess.run(
        [REGULARS, "sample_customers", "--org", "nope", "--count", "1", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode != 0
    assert "No organization with the slug 'nope'" in bad.stderr

    with sqlite3.connect(tmp_path / "regulars.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM customers_customer").fetchone()[0] == 160
