"""`regulars demo`: an organization with locations, staff and sample customers to try."""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from regulars.customers.demo import DEMO_SLUG, demo_create
from regulars.tenancy.models import Organization


class Command(BaseCommand):
    help = "Create the demo organization (once) and print its logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        logins_file = settings.DATA_DIR / "demo-logins.json"
        if Organization.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write("The demo organization already exists.")
        else:
            if not 0 <= options["customers"] <= 1_000_000:
                self.stderr.write("--customers must be between 0 and 1,000,000.")
                raise SystemExit(2)
            org, logins = demo_create(customers=options["customers"])
            fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump([login.__dict__ for login in logins], handle, indent=2)
            self.stdout.write(f"Created {org.name} with {options['customers']} customers.")
        if logins_file.exists():
            self.stdout.write("Demo logins (also in " + str(logins_file) + "):")
            for login in json.loads(logins_file.read_text()):
                self.stdout.write(f"  {login['role']:<9} {login['email']:<30} {login['password']}")
            self.stdout.write("The owner is asked to set up two-factor sign-in at first login.")
