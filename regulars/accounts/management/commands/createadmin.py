"""`regulars createadmin`: the first-run page from the shell (an owner and an organization)."""

from __future__ import annotations

import getpass
import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from regulars.accounts.services import first_run_setup
from regulars.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an owner login and a new organization."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email")
        parser.add_argument("--name", default="")
        parser.add_argument("--org-name")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--country", default="US")
        parser.add_argument("--currency", default="USD")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Never prompt; the password comes from REGULARS_ADMIN_PASSWORD.",
        )

    def _ask(self, options: dict[str, Any], key: str, question: str) -> str:
        value = options.get(key)
        if value:
            return str(value)
        if options["yes"] or not sys.stdin.isatty():
            raise CommandError(f"--{key.replace('_', '-')} is required without a terminal.")
        return input(f"{question}: ").strip()

    def handle(self, *args: Any, **options: Any) -> None:
        email = self._ask(options, "email", "Owner's email")
        org_name = self._ask(options, "org_name", "Business name")
        password = os.environ.get("REGULARS_ADMIN_PASSWORD", "")
        if not password:
            if options["yes"] or not sys.stdin.isatty():
                raise CommandError("Set REGULARS_ADMIN_PASSWORD, or run in a terminal to type it.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("The two passwords differ; nothing was created.")
        try:
            user, org = first_run_setup(
                org_name=org_name,
                time_zone=options["time_zone"],
                country=options["country"],
                currency=options["currency"],
                name=options["name"],
                email=email,
                password=password,
                channel="cli",
            )
        except DomainError as exc:
            fields = ", ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            raise CommandError(f"Nothing was created. {fields}") from exc
        self.stdout.write(f"Created {org.name} ({org.slug}) with owner {user.email}.")
